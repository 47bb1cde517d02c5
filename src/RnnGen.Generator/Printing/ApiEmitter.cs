using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// The model's public contract (SPEC §6) inside the user's partial class: constants, storage,
/// argument checks, and thin methods that hand the checked call to the network class.
/// Every check runs before any state changes.
/// </summary>
internal static class ApiEmitter
{
    private const string DropoutDocs = """
        /// <summary>
        /// The random source of dropout between layers, seeded by <see cref="Initialize"/>. Each training call
        /// (Backward, SgdStep) draws a fresh mask from it; Forward, Predict and Step never drop. Set it to
        /// repeat a mask, or save it with a checkpoint to resume the exact sequence of masks.
        /// </summary>
        public ref global::RnnGen.RnnRandom DropoutRandom => ref _dropout;


        """;

    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        ModelSpec s = ctx.Spec;
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType, N = ctx.NetworkRef, G = EmitContext.GeneratedCode, name = EmitContext.Identifier(s.Type.Name);
        const string span = "global::System.Span", rospan = "global::System.ReadOnlySpan", guard = "global::RnnGen.Runtime.Guard";

        string inputDoc = ctx.Dense
            ? "Input values a step, [steps, Input] row-major; 1..MaxSteps steps."
            : "Token ids, 1..MaxSteps of them.";
        string targetDoc = (ctx.CrossEntropy, ctx.LastStep) switch
        {
            (true, false) => "One class id per step.",
            (true, true) => "One class id for the whole sequence (Outputs.LastStep).",
            (false, false) => "Output values per step, laid out [steps, Output] row-major.",
            _ => "Output values for the whole sequence (Outputs.LastStep).",
        };
        // Written out for every method: the compiler does not expand <inheritdoc path="/param"/>.
        string sequenceDocs = $"""
            /// <param name="inputs">{inputDoc}</param>
            /// <param name="targets">{targetDoc}</param>
            """;
        const string sequenceErrors = """
            /// <exception cref="global::System.ArgumentException">A length does not fit the declaration, or an id is out of range; nothing changes.</exception>
            """;
        string lossName = ctx.CrossEntropy ? "cross-entropy loss" : "squared error";
        string nullState = $"global::System.Runtime.CompilerServices.Unsafe.NullRef<{T}>()";
        string initialize = ctx.Dropout
            ? $"public void Initialize(int seed)\n{{\n    global::RnnGen.Runtime.WeightInit.Uniform<{T}>(Parameters, {N}.Tensors, seed);\n    _dropout = new global::RnnGen.RnnRandom(unchecked((ulong)seed) ^ 0x5DEECE66DUL);\n}}"
            : $"public void Initialize(int seed) => global::RnnGen.Runtime.WeightInit.Uniform<{T}>(Parameters, {N}.Tensors, seed);";
        const string stateDoc = """/// <param name="state">The state entering the first step; receives the state after the last.</param>""";

        w.Lines($$"""
            /// <summary>Hidden units (PyTorch <c>hidden_size</c>).</summary>
            public const int Hidden = {{s.Hidden}};

            """);
        w.Lines(ctx.Dense
            ? $$"""
                /// <summary>Input values per step (PyTorch <c>input_size</c>).</summary>
                public const int Input = {{s.Input}};

                """
            : $$"""
                /// <summary>Vocabulary size: input token ids are <c>0..Vocab-1</c>.</summary>
                public const int Vocab = {{s.Vocab}};

                """);
        w.Lines($$"""
            /// <summary>{{(ctx.CrossEntropy ? "Output classes: one logit per class" : "Output values")}} {{(ctx.LastStep ? "for the sequence's last step" : "at every step")}}.</summary>
            public const int Output = {{s.Output}};

            {{(ctx.Layout.Projected ? $"/// <summary>The LSTM's projection size (PyTorch <c>proj_size</c>): h has Projection values, c has Hidden.</summary>\npublic const int Projection = {s.Projection};\n\n" : "")}}/// <summary>Stacked recurrent layers (PyTorch <c>num_layers</c>).</summary>
            public const int Layers = {{s.Layers}};

            /// <summary>The longest sequence one call accepts.</summary>
            public const int MaxSteps = {{s.MaxSteps}};

            /// <summary>BPTT truncation: the loss at step t sends gradient back through steps t..t-Truncate; 0 is full BPTT.</summary>
            public const int Truncate = {{s.Truncate}};

            /// <summary>Trainable parameters, counted as PyTorch counts them.</summary>
            public const int ParameterCount = {{ctx.Layout.ParameterCount}};

            private {{T}}[] _parameters = global::RnnGen.Runtime.AlignedArray.Allocate<{{T}}>({{N}}.ParameterLength);
            private readonly {{T}}[] _gradients = global::RnnGen.Runtime.AlignedArray.Allocate<{{T}}>({{N}}.ParameterLength);
            private readonly {{T}}[] _workspace = global::RnnGen.Runtime.AlignedArray.Allocate<{{T}}>({{N}}.WorkspaceLength);{{(ctx.Dropout ? "\nprivate global::RnnGen.RnnRandom _dropout;" : "")}}{{(ctx.Layout.SplitsRecurrence ? "\n" + ThreadsMembers(N, G) : "")}}

            /// <summary>
            /// Creates the model: allocates every buffer it will ever use and initialises the parameters with seed 0.
            /// A model is not thread-safe; use one instance per thread.
            /// </summary>
            {{G}}
            public {{name}}() => Initialize(0);

            /// <summary>
            /// All parameters as one flat span in the generator's padded layout, for optimisers that work element by
            /// element. Padding entries are zero and must stay zero (their gradients are always zero). Use
            /// <see cref="SaveWeights"/> and <see cref="LoadWeights(global::System.IO.Stream)"/> for named tensors.
            /// </summary>
            public {{span}}<{{T}}> Parameters => global::RnnGen.Runtime.AlignedArray.Span(_parameters, {{N}}.ParameterLength);

            /// <summary>The gradients, in the same layout as <see cref="Parameters"/>.</summary>
            public {{span}}<{{T}}> Gradients => global::RnnGen.Runtime.AlignedArray.Span(_gradients, {{N}}.ParameterLength);

            /// <summary>
            /// Sets input weights uniform in ±1/sqrt({{(ctx.Dense ? "Input" : "Vocab")}}), recurrent and output weights uniform in ±1/sqrt(Hidden),
            /// biases to 0. The same seed always gives the same parameters.
            /// </summary>
            {{G}}
            {{initialize}}

            {{(ctx.Dropout ? DropoutDocs : "")}}/// <summary>Sets every gradient to zero.</summary>
            {{G}}
            public void ZeroGradients() => global::System.Array.Clear(_gradients);

            /// <summary>
            /// What <c>SgdStep</c> does when the loss or a gradient it would apply is NaN or infinite: throw
            /// <see cref="global::RnnGen.NonFiniteTrainingException"/> naming the parameter (the default), or skip the
            /// step. Either way no weight changes.
            /// </summary>
            public global::RnnGen.NonFiniteAction NonFiniteAction { get; set; }

            /// <summary>Steps <c>SgdStep</c> skipped because of a non-finite loss or gradient (with <see cref="NonFiniteAction"/> = Skip).</summary>
            public long SkippedSteps => _skippedSteps;

            private long _skippedSteps;

            /// <inheritdoc cref="global::RnnGen.IRnnModel{T, TInput, TTarget}.TryLocateParameter"/>
            {{G}}
            public bool TryLocateParameter(int index, out string name, out int row, out int column)
            {
                bool found = global::RnnGen.Runtime.TrainingGuard.Locate({{N}}.Tensors, index, out global::RnnGen.Runtime.TensorMap? map, out row, out column);
                name = found ? map!.Name : "";
                column = found && map!.Columns == 0 ? -1 : column;
                return found;
            }

            bool global::RnnGen.IRnnModel<{{T}}, {{X}}, {{Y}}>.ShareParameters(global::RnnGen.IRnnModel<{{T}}, {{X}}, {{Y}}> source)
            {
                if (source is not {{name}} model || (object)model == this) return false; // (object): the same instance, whatever == the class defines
                _parameters = model._parameters;{{(ctx.Layout.SplitsRecurrence ? "\n    if (_team is not null) { Threads = 1; Threads = 2; } // a new partner, on the new array" : "")}}
                return true;
            }

            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
            private void NonFiniteStep({{T}} loss, int index)
            {
                global::RnnGen.Runtime.TrainingGuard.Fail<{{T}}>(NonFiniteAction, "SgdStep", loss, index, Gradients, {{N}}.Tensors,
                    "set NonFiniteAction = NonFiniteAction.Skip to skip such steps");
                _skippedSteps++;
            }

            /// <summary>The summed {{lossName}} of a sequence, from the zero state; no gradient work.</summary>
            {{sequenceDocs}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Forward({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets)
            {
                int steps = CheckSequence(inputs, targets);
                return {{N}}.Forward(_parameters, _workspace, inputs, targets, steps, ref {{nullState}}{{ctx.TeamField}});
            }

            /// <summary>
            /// Runs forward from the zero state and backpropagation through time, ADDS the gradient of the summed loss
            /// into <see cref="Gradients"/>, and returns the loss.
            /// </summary>
            {{sequenceDocs}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Backward({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets)
            {
                int steps = CheckSequence(inputs, targets);
                return {{N}}.Backward(_parameters, _gradients, _workspace, inputs, targets, steps, ref {{nullState}}{{ctx.TeamField}}{{(ctx.Dropout ? ", ref _dropout" : "")}});
            }

            /// <summary>
            /// One step of stochastic gradient descent: zeroes the gradients, runs <see cref="Backward(global::System.ReadOnlySpan{{{X}}}, global::System.ReadOnlySpan{{{Y}}})"/>,
            /// then p -= learningRate · grad. Returns the loss before the update. Afterwards <see cref="Gradients"/> is
            /// unspecified: only what this sequence touches is cleared and updated. A NaN or infinite loss or gradient
            /// updates nothing: it throws, or with <see cref="NonFiniteAction"/> = Skip counts a skipped step.
            /// </summary>
            {{sequenceDocs}}
            /// <param name="learningRate">The step size.</param>
            {{sequenceErrors}}
            /// <exception cref="global::RnnGen.NonFiniteTrainingException">The loss or a gradient is not finite (and NonFiniteAction is Throw); no weight changed.</exception>
            {{G}}
            public {{T}} SgdStep({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets, {{T}} learningRate)
            {
                int steps = CheckSequence(inputs, targets);
                {{guard}}.LearningRate(learningRate);
                {{T}} loss = {{N}}.SgdStep(_parameters, _gradients, _workspace, inputs, targets, steps, learningRate, ref {{nullState}}{{ctx.TeamField}}{{(ctx.Dropout ? ", ref _dropout" : "")}}, out int nonFinite);
                if (nonFinite != global::RnnGen.Runtime.TrainingGuard.AllFinite)
                {
                    NonFiniteStep(loss, nonFinite);
                }

                return loss;
            }

            """);

        if (ctx.Streams)
        {
            // A state carried across calls: chunks of a long stream (needs every direction to run forward).
            w.Lines($$"""
            /// <summary>
            /// The summed {{lossName}} of a sequence that continues from <paramref name="state"/>, which then receives the
            /// state after the last step: a long sequence scored chunk by chunk.
            /// </summary>
            {{sequenceDocs}}
            {{stateDoc}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Forward({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets, ref State state)
            {
                int steps = CheckSequence(inputs, targets);
                return {{N}}.Forward(_parameters, _workspace, inputs, targets, steps, ref state.Data{{ctx.TeamField}});
            }

            /// <summary>
            /// <see cref="Backward(global::System.ReadOnlySpan{{{X}}}, global::System.ReadOnlySpan{{{Y}}})"/> for a sequence that continues from
            /// <paramref name="state"/>, which then receives the state after the last step. The state is a constant
            /// for the gradient, as a detached hidden state is in PyTorch: training on a long stream chunk by chunk.
            /// </summary>
            {{sequenceDocs}}
            {{stateDoc}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Backward({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets, ref State state)
            {
                int steps = CheckSequence(inputs, targets);
                return {{N}}.Backward(_parameters, _gradients, _workspace, inputs, targets, steps, ref state.Data{{ctx.TeamField}}{{(ctx.Dropout ? ", ref _dropout" : "")}});
            }

            /// <summary>
            /// <see cref="SgdStep(global::System.ReadOnlySpan{{{X}}}, global::System.ReadOnlySpan{{{Y}}}, {{T}})"/> for a sequence that continues from
            /// <paramref name="state"/>, which then receives the state after the last step (a constant for the gradient).
            /// </summary>
            {{sequenceDocs}}
            /// <param name="learningRate">The step size.</param>
            {{stateDoc}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} SgdStep({{rospan}}<{{X}}> inputs, {{rospan}}<{{Y}}> targets, {{T}} learningRate, ref State state)
            {
                int steps = CheckSequence(inputs, targets);
                {{guard}}.LearningRate(learningRate);
                {{T}} loss = {{N}}.SgdStep(_parameters, _gradients, _workspace, inputs, targets, steps, learningRate, ref state.Data{{ctx.TeamField}}{{(ctx.Dropout ? ", ref _dropout" : "")}}, out int nonFinite);
                if (nonFinite != global::RnnGen.Runtime.TrainingGuard.AllFinite)
                {
                    NonFiniteStep(loss, nonFinite);
                }

                return loss;
            }

            """);
        }

        EmitPredict(w, ctx, inputDoc);
        if (ctx.Streams)
        {
            EmitState(w, ctx);
        }
        if (StreamingPrinter.HasGenerate(ctx.Spec))
        {
            EmitGenerate(w, ctx);
        }

        w.Lines($$"""
            /// <summary>
            /// Loads parameters from a safetensors stream with PyTorch's <c>state_dict</c> names and shapes
            /// (<c>rnn.weight_ih_l0</c>, <c>rnn.weight_hh_l0</c>, ..., <c>output.bias</c>). F32, F64, F16 and BF16 are read.
            /// </summary>
            /// <exception cref="global::System.IO.InvalidDataException">
            /// The file is malformed, or a tensor is missing, unexpected, of another shape or not finite; the message
            /// names the tensor and the model keeps its previous weights.
            /// </exception>
            {{G}}
            public void LoadWeights(global::System.IO.Stream safetensors) => LoadWeights(safetensors, null);

            /// <inheritdoc cref="LoadWeights(global::System.IO.Stream)"/>
            /// <param name="safetensors">The file's contents.</param>
            /// <param name="options">Loading options, e.g. whether non-finite values are accepted.</param>
            {{G}}
            public void LoadWeights(global::System.IO.Stream safetensors, global::RnnGen.WeightLoadOptions? options)
            {
                global::System.ArgumentNullException.ThrowIfNull(safetensors);
                global::RnnGen.Runtime.WeightIO.Load<{{T}}>(safetensors, Parameters, {{N}}.Tensors, {{N}}.Identity, options);
            }

            /// <summary>Writes the parameters as safetensors with PyTorch's names ({{(T == "double" ? "F64" : "F32")}}), and the declaration in <c>__metadata__</c>.</summary>
            /// <param name="safetensors">Receives the file.</param>
            {{G}}
            public void SaveWeights(global::System.IO.Stream safetensors)
            {
                global::System.ArgumentNullException.ThrowIfNull(safetensors);
                global::RnnGen.Runtime.WeightIO.Save<{{T}}>(safetensors, Parameters, {{N}}.Tensors, {{N}}.Metadata);
            }

            /// <summary>Writes the gradients as safetensors, under the names of the parameters they belong to.</summary>
            /// <param name="safetensors">Receives the file.</param>
            {{G}}
            public void SaveGradients(global::System.IO.Stream safetensors)
            {
                global::System.ArgumentNullException.ThrowIfNull(safetensors);
                global::RnnGen.Runtime.WeightIO.Save<{{T}}>(safetensors, Gradients, {{N}}.Tensors, {{N}}.Metadata);
            }

            """);

        EmitChecks(w, ctx);
    }

    private static void EmitPredict(CodeWriter w, EmitContext ctx, string inputDoc)
    {
        string X = ctx.InputType, T = ctx.T, N = ctx.NetworkRef, G = EmitContext.GeneratedCode;
        string when = ctx.LastStep ? "of the sequence's last step" : "at every step";
        string rows = ctx.LastStep ? "1" : "steps";
        const string longer = "A longer span keeps the rest.";
        string perRow = ctx.LastStep ? "for the sequence" : "per step, [steps, Output] row-major";
        (string parameter, string doc, string written, string returns) = ctx.CrossEntropy
            ? ("global::System.Span<int> classes",
                $"Receives the class ids, one {(ctx.LastStep ? "for the sequence" : "per step")}. {longer}",
                rows,
                ctx.LastStep ? "1, the class ids written." : "steps, the class ids written.")
            : ($"global::System.Span<{T}> outputs",
                $"Receives Output values {perRow}. {longer}",
                ctx.LastStep ? "Output" : "steps * Output",
                ctx.LastStep ? "Output, the values written." : "steps * Output, the values written.");
        string destination = ctx.CrossEntropy ? "classes" : "outputs";
        string check = ctx.CrossEntropy
            ? $"global::RnnGen.Runtime.Guard.ClassDestination(classes.Length, {GuardSteps(ctx)}, nameof(classes));"
            : $"global::RnnGen.Runtime.Guard.ValueDestination(outputs.Length, {GuardSteps(ctx)}, Output, nameof(outputs));";
        string summary = ctx.CrossEntropy ? $"The most likely class {when} (the first one on ties)" : $"The head's outputs {when}";
        const string carriedSummary = ", continuing from <paramref name=\"state\"/>, which then receives the state after the last step";
        string predict = $"Predict(global::System.ReadOnlySpan{{{X}}}, global::System.Span{{{(ctx.CrossEntropy ? "int" : T)}}})";
        string probabilities = $"Probabilities(global::System.ReadOnlySpan{{{X}}}, global::System.Span{{{T}}})";
        string nullState = $"global::System.Runtime.CompilerServices.Unsafe.NullRef<{T}>()";

        foreach (bool carried in ctx.Streams ? new[] { false, true } : new[] { false })
        {
            // The overload with a State inherits the other's documentation (its summary says what the state is): the same
            // words twice would cost large models' source. The compiler does not merge <param> tags, so it adds none.
            string state = carried ? ", ref State state" : "";
            string data = carried ? "state.Data" : nullState;
            w.Lines(carried
                ? $$"""
                    /// <inheritdoc cref="{{predict}}"/>
                    /// <summary>{{summary}}{{carriedSummary}}.</summary>
                    """
                : $$"""
                    /// <summary>{{summary}}, from the zero state.</summary>
                    /// <param name="inputs">{{inputDoc}}</param>
                    /// <param name="{{destination}}">{{doc}}</param>
                    /// <returns>{{returns}}</returns>
                    """);
            w.Lines($$"""
                {{G}}
                public int Predict(global::System.ReadOnlySpan<{{X}}> inputs, {{parameter}}{{state}})
                {
                    int steps = CheckInputs(inputs);
                    {{check}}
                    {{N}}.Predict(_parameters, _workspace, inputs, steps, {{destination}}{{(ctx.CrossEntropy ? ", default" : "")}}, ref {{data}}{{ctx.TeamField}});
                    return {{written}};
                }

                """);
            if (!ctx.CrossEntropy)
            {
                continue;
            }

            w.Lines(carried
                ? $$"""
                    /// <inheritdoc cref="{{probabilities}}"/>
                    /// <summary>Each class's probability {{when}}{{carriedSummary}}.</summary>
                    """
                : $$"""
                    /// <summary>Each class's probability {{when}}, from the zero state: the softmax of the logits{{(ctx.Streams ? " <see cref=\"Step\"/> writes" : "")}}.</summary>
                    /// <param name="inputs">{{inputDoc}}</param>
                    /// <param name="destination">Receives Output probabilities {{perRow}}. {{longer}}</param>
                    /// <returns>{{(ctx.LastStep ? "Output" : "steps * Output")}}, the values written.</returns>
                    """);
            w.Lines($$"""
                {{G}}
                public int Probabilities(global::System.ReadOnlySpan<{{X}}> inputs, global::System.Span<{{T}}> destination{{state}})
                {
                    int steps = CheckInputs(inputs);
                    global::RnnGen.Runtime.Guard.ProbabilityDestination(destination.Length, {{GuardSteps(ctx)}}, Output, nameof(destination));
                    {{N}}.Predict(_parameters, _workspace, inputs, steps, default, destination, ref {{data}}{{ctx.TeamField}});
                    return {{(ctx.LastStep ? "Output" : "steps * Output")}};
                }

                """);
        }
    }

    private static void EmitState(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType, N = ctx.NetworkRef, G = EmitContext.GeneratedCode, model = ctx.ModelReference;
        const string span = "global::System.Span";
        bool stacked = ctx.Stacked;
        string hWidth = ctx.Layout.Projected ? "Projection" : "Hidden";
        string topOffset = stacked ? $"{N}.{ctx.Layout.TopState}" : "0";
        string parts = "the hidden state h" + (ctx.Spec.Cell == CellKind.Lstm ? ", the cell state c" : "") + (stacked ? " of every layer" : "") + (ctx.FeedsBack ? ", and the last output y, which feeds the next step" : "");
        w.Lines($$"""
            /// <summary>
            /// The recurrent state carried from one <see cref="Step"/> to the next: {{parts}}.
            /// <c>default</c> is the zero state every sequence starts from.
            /// </summary>
            public struct State
            {
                [global::System.Runtime.CompilerServices.InlineArray({{ctx.Layout.StateLength}})]
                private struct Row
                {
                    private {{T}} _element;
                }

                private Row _values;

                /// <summary>The hidden state h_t{{(stacked ? " of the top layer, which the head reads" : "")}}: <see cref="{{hWidth}}"/> values.</summary>
                [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                public {{span}}<{{T}}> Hidden => (({{span}}<{{T}}>)_values).Slice({{topOffset}}, {{model}}.{{hWidth}});

            """);
        if (ctx.Spec.Cell == CellKind.Lstm)
        {
            w.Lines($$"""
                    /// <summary>The LSTM cell state c_t{{(stacked ? " of the top layer" : "")}}: <see cref="Hidden"/> values.</summary>
                    [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                    public {{span}}<{{T}}> Cell => (({{span}}<{{T}}>)_values).Slice({{topOffset}} + {{N}}.StateCell, {{model}}.Hidden);

                """);
        }

        if (stacked)
        {
            w.Lines($$"""
                    /// <summary>The hidden state h_t of one layer, 0 (the bottom) to Layers - 1.</summary>
                    [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                    public {{span}}<{{T}}> HiddenOf(int layer) => (({{span}}<{{T}}>)_values).Slice(LayerOffset(layer), {{model}}.{{hWidth}});

                """);
            if (ctx.Spec.Cell == CellKind.Lstm)
            {
                w.Lines($$"""
                        /// <summary>The LSTM cell state c_t of one layer, 0 (the bottom) to Layers - 1.</summary>
                        [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                        public {{span}}<{{T}}> CellOf(int layer) => (({{span}}<{{T}}>)_values).Slice(LayerOffset(layer) + {{N}}.StateCell, {{model}}.Hidden);

                    """);
            }

            w.Lines($$"""
                    private static int LayerOffset(int layer)
                    {
                        global::RnnGen.Runtime.Guard.Layer(layer, {{model}}.Layers, nameof(layer));
                        return layer * {{ctx.Layout.LayerStateLength}};
                    }

                """);
        }

        if (ctx.FeedsBack)
        {
            w.Lines($$"""
                    /// <summary>The last head output y_t, which feeds the next step: <see cref="Output"/> values.</summary>
                    [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                    public {{span}}<{{T}}> Feedback => (({{span}}<{{T}}>)_values).Slice({{N}}.StateFeedback, {{model}}.Output);

                """);
        }

        string input = ctx.Dense ? $"global::System.ReadOnlySpan<{T}> input" : "int token";
        string check = ctx.Dense
            ? "global::RnnGen.Runtime.Guard.StepInput(input.Length, Input, nameof(input));"
            : "global::RnnGen.Runtime.Guard.TokenId(token, Vocab, nameof(token));";
        string inputDoc = ctx.Dense ? "<param name=\"input\">The step's Input values.</param>" : "<param name=\"token\">The input token id.</param>";
        w.Lines($$"""
                /// <summary>Returns to the zero state.</summary>
                public void Reset() => this = default;

                [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                internal ref {{T}} Data => ref _values[0];
            }

            /// <summary>
            /// Advances <paramref name="state"/> by one step and writes the head's outputs y_t{{(ctx.CrossEntropy ? " (logits)" : "")}} for it.
            /// Running <c>Step</c> over a sequence from <c>default</c> gives the outputs <see cref="Forward(global::System.ReadOnlySpan{{{X}}}, global::System.ReadOnlySpan{{{Y}}})"/> scores.
            /// </summary>
            /// <param name="state">The state before the step; receives the state after it.</param>
            /// {{inputDoc}}
            /// <param name="output">Receives exactly <see cref="Output"/> values, so Step returns no count; a longer span keeps the rest.</param>
            {{G}}
            public void Step(ref State state, {{input}}, global::System.Span<{{T}}> output)
            {
                {{check}}
                global::RnnGen.Runtime.Guard.StepOutput(output.Length, Output, nameof(output));
                {{N}}.Step(_parameters, _workspace, ref state.Data, {{(ctx.Dense ? "input" : "token")}}, output);
            }

            """);
    }

    private static void EmitGenerate(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, N = ctx.NetworkRef, G = EmitContext.GeneratedCode;
        w.Lines($$"""
            /// <summary>
            /// Generates text: feeds <paramref name="prompt"/>, then repeatedly samples the next token from
            /// softmax(y / temperature) and feeds it back, until <paramref name="endToken"/> has been written or
            /// <paramref name="destination"/> is full.
            /// </summary>
            /// <param name="prompt">At least one token, e.g. the sentence-start token.</param>
            /// <param name="destination">Receives the generated tokens (not the prompt).</param>
            /// <param name="temperature">Above 1 flattens, below 1 sharpens the distribution; 0 always takes the most likely token.</param>
            /// <param name="random">The random source; the same seed gives the same text.</param>
            /// <param name="endToken">Stop after writing this token; -1 for none.</param>
            /// <param name="avoidToken">Never sample this token (e.g. the unknown-word token); -1 for none.</param>
            /// <returns>The number of tokens written.</returns>
            {{G}}
            public int Generate(global::System.ReadOnlySpan<int> prompt, global::System.Span<int> destination, {{T}} temperature, ref global::RnnGen.RnnRandom random, int endToken = -1, int avoidToken = -1)
            {
                global::RnnGen.Runtime.Guard.NotEmpty(prompt.Length, "Generate needs at least one token to start from, e.g. the sentence-start token", nameof(prompt));
                global::RnnGen.Runtime.Guard.TokenIds(prompt, Vocab, nameof(prompt));
                global::RnnGen.Runtime.Guard.Temperature(temperature, nameof(temperature));
                global::RnnGen.Runtime.Guard.OptionalClassId(endToken, Output, nameof(endToken));
                global::RnnGen.Runtime.Guard.OptionalClassId(avoidToken, Output, nameof(avoidToken));
                var state = default(State);
                return {{N}}.Generate(_parameters, _workspace, ref state.Data, prompt, destination, temperature, ref random, endToken, avoidToken);
            }

            """);
    }

    private static void EmitChecks(CodeWriter w, EmitContext ctx)
    {
        string X = ctx.InputType, Y = ctx.TargetType;
        const string guard = "global::RnnGen.Runtime.Guard";
        w.Line($"private static int CheckInputs(global::System.ReadOnlySpan<{X}> inputs)");
        w.Line("{");
        if (ctx.Dense)
        {
            w.Line($"    return {guard}.DenseSteps(inputs.Length, Input, MaxSteps, nameof(inputs));");
        }
        else
        {
            w.Line($"    {guard}.SequenceLength(inputs.Length, MaxSteps, nameof(inputs));");
            w.Line($"    {guard}.TokenIds(inputs, Vocab, nameof(inputs));");
            w.Line("    return inputs.Length;");
        }

        w.Line("}");
        w.Line();

        string lengthCheck = ctx.CrossEntropy
            ? $"{guard}.ClassTargets(targets.Length, {GuardSteps(ctx)}, nameof(targets));"
            : $"{guard}.ValueTargets(targets.Length, {GuardSteps(ctx)}, Output, nameof(targets));";
        w.Line($"private static int CheckSequence(global::System.ReadOnlySpan<{X}> inputs, global::System.ReadOnlySpan<{Y}> targets)");
        w.Line("{");
        w.Line("    int steps = CheckInputs(inputs);");
        w.Line("    " + lengthCheck);
        if (ctx.CrossEntropy)
        {
            w.Line($"    {guard}.ClassIds(targets, Output, nameof(targets));");
        }

        w.Line("    return steps;");
        w.Line("}");
    }

    /// <summary>The steps argument of the runtime's length checks: the step count, or Guard.LastStep (one row for the sequence).</summary>
    private static string GuardSteps(EmitContext ctx) => ctx.LastStep ? "global::RnnGen.Runtime.Guard.LastStep" : "steps";

    /// <summary>The Threads property of a model whose recurrence can be split (Layout.SplitsRecurrence).</summary>
    private static string ThreadsMembers(string network, string generatedCode) => $$"""
        private global::RnnGen.Runtime.RecurrenceTeam? _team;

        /// <summary>
        /// Threads the recurrence of <c>Forward</c>, <c>Predict</c>, <c>Backward</c> and <c>SgdStep</c> runs on: 1 (the
        /// default) or 2. With 2, a partner thread (started here, once) computes half of the hidden units of every step,
        /// and their share of the input-side product, while the calling thread computes the other half; each half reads
        /// only its own half of W_hh, so on two cores each stays in its own core's cache. Results are bit for bit those
        /// of 1 thread, and calls still allocate nothing. The rest of a call (dropout masks, head, loss, the backward
        /// pass) runs on the calling thread.
        /// Setting 1 stops the partner thread at once; a model dropped with 2 stops it within about a second of being
        /// garbage-collected.
        /// </summary>
        /// <exception cref="global::System.ArgumentOutOfRangeException">The value is not 1 or 2.</exception>
        {{generatedCode}}
        public int Threads
        {
            get => _team is null ? 1 : 2;
            set
            {
                if (value is not 1 and not 2)
                {
                    throw new global::System.ArgumentOutOfRangeException(nameof(value), $"Threads is {value}, but it must be 1 (the calling thread alone) or 2 (a partner thread computes half of every step's hidden units).");
                }

                if (value == 2 && _team is null)
                {
                    _team = new global::RnnGen.Runtime.RecurrenceTeam(new {{network}}.RecurrencePartner(_parameters, _workspace), this);
                }
                else if (value == 1 && _team is not null)
                {
                    _team.Dispose();
                    _team = null;
                }
            }
        }
        """;
}
