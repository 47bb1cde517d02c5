namespace RnnGen.Generator.Emit;

/// <summary>
/// SgdStep as one network call. For token models only the input-weight rows of the sequence's
/// tokens have gradients (one-hot inputs), so those rows are cleared and updated instead of all
/// Vocab of them; everything from DenseParameters on is handled whole. Before any update, the loss
/// and exactly those gradients are checked to be finite: a failed check updates nothing and returns
/// where the problem is, for the model to throw or skip.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        w.Lines($$"""
            /// <summary>
            /// Zero gradients, Backward, then p -= learningRate · g; returns the loss. Gradients are unspecified afterwards.
            /// <paramref name="nonFinite"/> is TrainingGuard.AllFinite, or else says what was not finite, and nothing was updated.
            /// </summary>
            public static {{T}} SgdStep({{T}}[] parameters, {{T}}[] gradients, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, ReadOnlySpan<{{Y}}> targets, int steps, {{T}} learningRate, ref {{T}} state{{ctx.DropoutParameter}}, out int nonFinite)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, DenseParameters), ParameterLength - DenseParameters).Clear();
            """);
        if (!ctx.Dense)
        {
            w.Lines("""
                    foreach (int token in inputs)
                    {
                        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth).Clear();
                    }

                """);
        }

        w.Lines($$"""
                {{T}} loss = Backward(parameters, gradients, workspace, inputs, targets, steps, ref state{{ctx.DropoutArgument}});
                nonFinite = CheckFinite(loss, gradients{{(ctx.Dense ? "" : ", inputs")}});
                if (nonFinite != TrainingGuard.AllFinite)
                {
                    return loss;
                }

                Update(ref Unsafe.Add(ref p, DenseParameters), ref Unsafe.Add(ref g, DenseParameters), learningRate, ParameterLength - DenseParameters);
            """);
        if (!ctx.Dense)
        {
            w.Lines($$"""
                    foreach (int token in inputs)
                    {
                        // Clearing the row after its update applies a repeated token's gradient once.
                        ref {{T}} row = ref Unsafe.Add(ref g, InputWeights + token * GateWidth);
                        Update(ref Unsafe.Add(ref p, InputWeights + token * GateWidth), ref row, learningRate, GateWidth);
                        MemoryMarshal.CreateSpan(ref row, GateWidth).Clear();
                    }

                """);
        }

        w.Line("    return loss;");
        w.Line("}");
        w.Line();

        // The check reads what the update is about to apply, no more: the dense part and the touched rows.
        string tokens = ctx.Dense ? "" : ", ReadOnlySpan<int> inputs";
        w.Lines($$"""
            /// <summary>TrainingGuard.AllFinite if the loss and every gradient SgdStep applies are finite; else LossNotFinite or the first bad index.</summary>
            private static int CheckFinite({{T}} loss, {{T}}[] gradients{{tokens}})
            {
                if (!{{T}}.IsFinite(loss))
                {
                    return TrainingGuard.LossNotFinite;
                }

                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
                if (!AllFinite(ref Unsafe.Add(ref g, DenseParameters), ParameterLength - DenseParameters))
                {
                    return DenseParameters + TrainingGuard.FirstNonFinite<{{T}}>(gradients.AsSpan(DenseParameters));
                }

            """);
        if (!ctx.Dense)
        {
            w.Lines($$"""
                    foreach (int token in inputs)
                    {
                        if (!AllFinite(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth))
                        {
                            return InputWeights + token * GateWidth + TrainingGuard.FirstNonFinite<{{T}}>(gradients.AsSpan(InputWeights + token * GateWidth, GateWidth));
                        }
                    }

                """);
        }

        w.Line("    return TrainingGuard.AllFinite;");
        w.Line("}");
        w.Line();
    }
}
