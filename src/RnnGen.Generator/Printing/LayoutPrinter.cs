using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>Sizes, the flat-array layout, the PyTorch tensor map and the products' shapes, as constants and structs of the network class.</summary>
internal sealed class LayoutPrinter : Printer
{
    public LayoutPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    public void Print()
    {
        PrintSizes();
        W.Line();
        W.Line("// Parameters (and gradients, same layout): one flat array; padding entries stay zero.");
        PrintBuffers(Memory.Parameters);
        W.Line($"public const int ParameterLength = {Memory.ParameterLength};");
        W.Line(Sizes.Embedded
            ? "public const int DenseParameters = InputWeights; // before it, one embedding row per token: only the rows of a sequence's tokens get gradients"
            : Spec.TokenInput
            ? "public const int DenseParameters = RecurrentWeights; // before it, one input-weight row per token: only the rows of a sequence's tokens get gradients"
            : "public const int DenseParameters = 0; // every parameter gets a gradient from every sequence");
        W.Line($"public const int ParameterCount = {Network.ParameterCount}; // as PyTorch counts them, without padding");
        W.Line();
        W.Line("// Workspace: every buffer a call needs, allocated once with the model.");
        PrintBuffers(Memory.Workspace);
        W.Line($"public const int WorkspaceLength = {Memory.WorkspaceLength};");
        W.Line();
        PrintTensors();
        PrintDeclaration();
        PrintShapes();
    }

    private void Constant(Expr.Named constant, string comment = "") =>
        W.Line($"public const int {constant.Name} = {constant.Value};{(comment.Length > 0 ? " // " + comment : "")}");

    private void PrintSizes()
    {
        W.Line("// Sizes. Padded widths are whole 64-byte rows, so no SIMD loop has a tail.");
        Constant(Sizes.Hidden);
        Constant(Sizes.HiddenPadded);
        Constant(Sizes.GateWidth, $"{Sizes.Gates} gate(s) x HiddenPadded");
        if (Sizes.RecurrentPanelled)
        {
            Constant(Sizes.RecurrentPanel, "W_hh is stored as GateWidth / RecurrentPanel contiguous panels of this many columns");
            if (Sizes.SplitsRecurrence)
            {
                Constant(Sizes.HalfUnits, "hidden units per thread when the recurrence runs on two");
            }
        }

        if (Sizes.OutputPanelled)
        {
            Constant(Sizes.OutputPanel, "W_out is stored as OutputPadded / OutputPanel contiguous panels of this many classes");
        }

        if (Sizes.Projected)
        {
            Constant(Sizes.Features, "the width of h: the projection (PyTorch proj_size)");
            Constant(Sizes.FeaturesPadded);
        }

        if (Sizes.Embedded)
        {
            W.Line($"public const int Vocab = {Spec.Vocab};");
            Constant(Sizes.InputWidth, "the embedding layer's width: what layer 0 reads per step");
            Constant(Sizes.InputStride);
        }
        else
        {
            Constant(Sizes.InputWidth);
        }

        Constant(Sizes.Output);
        Constant(Sizes.OutputPadded);
        W.Line($"public const int Layers = {Spec.Layers};");
        W.Line($"public const int MaxSteps = {Spec.MaxSteps};");
        if (Sizes.Dropout)
        {
            W.Line($"public const double Dropout = {Spec.Dropout.ToString("R", CultureInfo.InvariantCulture)}; // probability of dropping a layer's input in training");
            string scale = (1 / (1 - Spec.Dropout)).ToString("R", CultureInfo.InvariantCulture) + (T == "double" ? "d" : "f");
            W.Line($"public const {T} DropScale = {scale}; // 1 / (1 - Dropout): inverted dropout keeps the expected input");
        }

        W.Line($"public const int Truncate = {Spec.Truncate};");
        Constant(Sizes.StateGradientWidth, Sizes.FeedsBack ? "dy" : Sizes.Lstm ? "[dh | dc]" : "dh");
        string part = Sizes.Lstm ? "h, c" : "h";
        Constant(Sizes.StateLength, $"the streaming state: {(Sizes.Stacked ? $"[{part}] per layer" : part)}{(Sizes.FeedsBack ? ", y" : "")}");
        if (Sizes.Lstm)
        {
            Constant(Sizes.StateCell, "c within a layer's part of the state");
        }

        foreach (Unit unit in Memory.Units)
        {
            if (unit.StateOffset is Expr.Named offset && Sizes.Streams)
            {
                Constant(offset, $"layer {unit.Layer}'s part of the state");
            }
        }

        if (Sizes.FeedsBack)
        {
            Constant(Sizes.StateFeedback);
        }
    }

    private void PrintBuffers(IReadOnlyList<Buffer> buffers)
    {
        foreach (Buffer buffer in buffers)
        {
            W.Line($"public const int {buffer.Name} = {buffer.Offset}; // {buffer.Comment}");
        }
    }

    private void PrintTensors()
    {
        string gateRows = Sizes.Gates == 1 ? "Hidden" : $"{Sizes.Gates} * Hidden";
        string gateShape = Sizes.Gates == 1 ? "Hidden" : $"{Sizes.Gates}*Hidden";
        string recurrent = Sizes.FeedsBack ? "Output" : Sizes.Projected ? "Projection" : "Hidden";
        string recurrentSize = Sizes.RecurrentInputs.Name;
        string features = (Sizes.Bidirectional ? "2*" : "") + (Sizes.Projected ? "Projection" : "Hidden");
        string featureCount = (Sizes.Directions * (Expr)Sizes.Features).Print();
        W.Line("/// <summary>PyTorch state_dict tensors, in state_dict order, and where each lives in the flat parameters.</summary>");
        using (W.Open("public static readonly TensorMap[] Tensors =", "};"))
        {
            W.Line($"// name, rows, columns, shape, offset, block rows, block stride, row stride, column stride, init scale (uniform ±scale)[, panel width, panel stride{(Sizes.RecurrentPanelGroups > 0 ? ", panels, panel groups" : "")}]");
            if (Sizes.Embedded)
            {
                // ±√3: unit variance, as nn.Embedding's N(0, 1) has.
                W.Line("new(\"embedding.weight\", Vocab, Embedding, \"[Vocab, Embedding]\", EmbeddingWeights, Vocab, 0, EmbeddingPadded, 1, Math.Sqrt(3)),");
            }

            foreach (Unit unit in Memory.Units)
            {
                string p = unit.PyTorchSuffix, input = unit.InputWidth.Print();
                string inputShape = unit.First ? input : features;
                W.Line($"new(\"rnn.weight_ih{p}\", {gateRows}, {input}, \"[{gateShape}, {inputShape}]\", {unit.InputWeights.Name}, Hidden, HiddenPadded, 1, GateWidth, 1.0 / Math.Sqrt({input})),");
                string panels = Sizes.RecurrentPanelGroups > 0 ? $", GateWidth / RecurrentPanel, {Sizes.RecurrentPanelGroups}" : "";
                W.Line(Sizes.RecurrentPanelled
                    ? $"new(\"rnn.weight_hh{p}\", {gateRows}, {recurrentSize}, \"[{gateShape}, {recurrent}]\", {unit.RecurrentWeights.Name}, Hidden, HiddenPadded, 1, RecurrentPanel, 1.0 / Math.Sqrt(Hidden), RecurrentPanel, {recurrentSize} * RecurrentPanel{panels}),"
                    : $"new(\"rnn.weight_hh{p}\", {gateRows}, {recurrentSize}, \"[{gateShape}, {recurrent}]\", {unit.RecurrentWeights.Name}, Hidden, HiddenPadded, 1, GateWidth, 1.0 / Math.Sqrt(Hidden)),");
                W.Line($"new(\"rnn.bias_ih{p}\", {gateRows}, 0, \"[{gateShape}]\", {unit.InputBias.Name}, Hidden, HiddenPadded, 1, 0, 0),");
                W.Line($"new(\"rnn.bias_hh{p}\", {gateRows}, 0, \"[{gateShape}]\", {unit.RecurrentBias.Name}, Hidden, HiddenPadded, 1, 0, 0),");
                if (unit.ProjectionWeights is not null)
                {
                    W.Line($"new(\"rnn.weight_hr{p}\", Features, Hidden, \"[Projection, Hidden]\", {unit.ProjectionWeights.Name}, Features, 0, 1, FeaturesPadded, 1.0 / Math.Sqrt(Hidden)),");
                }
            }

            W.Line(Sizes.OutputPanelled
                ? $"new(\"output.weight\", Output, {featureCount}, \"[Output, {features}]\", OutputWeights, Output, 0, 1, OutputPanel, 1.0 / Math.Sqrt(Hidden), OutputPanel, {featureCount} * OutputPanel),"
                : $"new(\"output.weight\", Output, {featureCount}, \"[Output, {features}]\", OutputWeights, Output, 0, 1, OutputPadded, 1.0 / Math.Sqrt(Hidden)),");
            W.Line("new(\"output.bias\", Output, 0, \"[Output]\", OutputBias, Output, 0, 1, 0, 0),");
        }

        W.Line();
    }

    // What a file must agree on to load (sizes are checked through shapes as well); training-only settings (truncation,
    // MaxSteps, precision) may differ.
    private void PrintDeclaration()
    {
        W.Line("/// <summary>Declaration facts a weight file must agree with when it records them.</summary>");
        using (W.Open("public static readonly KeyValuePair<string, string>[] Identity =", "};"))
        {
            foreach ((string key, string value) in Declaration.Identity(Spec))
            {
                W.Line($"new(\"{key}\", \"{value}\"),");
            }
        }

        W.Line();
        W.Line("/// <summary>Everything SaveWeights records in __metadata__: Identity, and what a checkpoint needs besides.</summary>");
        using (W.Open("public static readonly KeyValuePair<string, string>[] Metadata =", "];", "["))
        {
            W.Line($"new(\"rnngen.version\", \"{Declaration.Version}\"),");
            W.Line($"new(\"rnngen.layout\", \"{Network.Fingerprint}\"), // the flat parameters' layout: a checkpoint resumes only the same");
            W.Line(".. Identity,");
            foreach ((string key, string value) in Declaration.Training(Spec))
            {
                W.Line($"new(\"{key}\", \"{value}\"),");
            }
        }

        W.Line();
    }

    /// <summary>One struct of constants per product: the runtime compiles each product once per shape.</summary>
    private void PrintShapes()
    {
        W.Line("// The products' shapes: the runtime's kernels are compiled once per shape, with every size a constant.");
        foreach (Product product in Network.Products)
        {
            W.Line($"/// <summary>{product.Doc}</summary>");
            var members = new List<string>();
            foreach ((string name, string value) in product.Members())
            {
                string type = value.StartsWith("ProductStart", System.StringComparison.Ordinal) ? "ProductStart"
                    : value.StartsWith("ProductFinish", System.StringComparison.Ordinal) ? "ProductFinish"
                    : value is "true" or "false" ? "bool" : "int";
                members.Add($"public static {type} {name} => {value};");
            }

            W.Line($"private readonly struct {product.Name} : {product.Interface} {{ {string.Join(" ", members)} }}");
        }

        W.Line();
    }
}
