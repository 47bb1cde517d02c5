using System;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>What every emitter of one model shares: the spec, its layout and naming helpers.</summary>
internal sealed class EmitContext
{
    public EmitContext(ModelSpec spec)
    {
        Spec = spec;
        Layout = new Layout(spec);
        Cell = Cell.For(spec);
    }

    public Cell Cell { get; }

    /// <summary>The constant naming the width of an h row: FeaturesPadded with a projection, else HiddenPadded.</summary>
    public string HRow => Layout.Projected ? "FeaturesPadded" : "HiddenPadded";

    public bool Dense => !Spec.TokenInput;

    public bool LastStep => Spec.Outputs == OutputsKind.LastStep;

    public bool CrossEntropy => Spec.Loss == LossKind.CrossEntropy;

    public bool FeedsBack => Layout.FeedsBackOutput;

    /// <summary>
    /// Whether the head is wide enough (a vocabulary: 256 columns or more) to dominate a step, so that its products
    /// are worth the larger register tiles (<see cref="Kernels.BroadcastGemm.WideTiles"/>).
    /// </summary>
    public bool WideHead => Layout.OutputPadded >= 256;

    /// <summary>
    /// SgdStep updates W_out in one pass from dy and h instead of storing its gradient first (not when the head
    /// is part of the recurrence: then W_out's gradient gathers along the walk back).
    /// </summary>
    public bool FusedHeadUpdate => !FeedsBack;

    /// <summary>
    /// The units of a layer (forward, then reverse when bidirectional), each with where its rows start in a matrix
    /// whose rows follow the concatenated input [h_fwd; h_rev]: the matrix itself, or one direction's rows further.
    /// </summary>
    public IEnumerable<(LayerLayout Unit, string Rows)> DirectionRows(int layer, string matrix, string rowWidth)
    {
        bool first = true;
        foreach (LayerLayout unit in Layout.UnitsOf(layer))
        {
            yield return (unit, first ? matrix : $"{matrix} + {(Layout.Projected ? "Features" : "Hidden")} * {rowWidth}");
            first = false;
        }
    }

    /// <summary>Inverted dropout between layers in training calls (it has nothing to act on with one layer).</summary>
    public bool Dropout => Spec.Dropout > 0 && Layout.Depth > 1;

    /// <summary>More than one layer.</summary>
    public bool Stacked => Layout.Depth > 1;

    /// <summary>Streaming (Step, Generate, a state carried across calls) needs every direction to run forward in time.</summary>
    public bool Streams => !Layout.Bidirectional;

    /// <summary>The extra parameter a training call takes for dropout's random source, or "".</summary>
    public string DropoutParameter => Dropout ? ", ref RnnRandom dropout" : "";

    /// <summary>The recurrence team parameter of the static calls that run the recurrence (split models only).</summary>
    public string TeamParameter => Layout.SplitsRecurrence ? ", global::RnnGen.Runtime.RecurrenceTeam? team" : "";

    /// <summary>Passes the team on, inside the network class.</summary>
    public string TeamArgument => Layout.SplitsRecurrence ? ", team" : "";

    /// <summary>Passes the model's team, from the model class.</summary>
    public string TeamField => Layout.SplitsRecurrence ? ", _team" : "";

    /// <summary>The matching argument, or "".</summary>
    public string DropoutArgument => Dropout ? ", ref dropout" : "";

    /// <summary>The element type of inputs: <c>int</c> token ids or <see cref="T"/> values.</summary>
    public string InputType => Spec.TokenInput ? "int" : T;

    /// <summary>The element type of targets: <c>int</c> class ids or <see cref="T"/> values.</summary>
    public string TargetType => CrossEntropy ? "int" : T;

    /// <summary>How many head rows carry a loss: every step, or one.</summary>
    public string HeadRows => LastStep ? "1" : "steps";

    public ModelSpec Spec { get; }

    public Layout Layout { get; }

    /// <summary>The element type keyword: <c>float</c> or <c>double</c>.</summary>
    public string T => Spec.Precision == PrecisionKind.Double ? "double" : "float";

    /// <summary>The scalar math class for <see cref="T"/>.</summary>
    public string MathClass => Spec.Precision == PrecisionKind.Double ? "Math" : "MathF";

    /// <summary>The file-local class that holds the network's constants, code and kernels.</summary>
    public string Network => Identifier(Spec.Type.Name) + "Network";

    /// <summary>How the model class refers to <see cref="Network"/>.</summary>
    public string NetworkRef => "global::RnnGen.Generated." + Network;

    /// <summary>The model type as C# source: <c>global::</c>-qualified, keywords escaped.</summary>
    public string ModelReference
    {
        get
        {
            TypeSpec type = Spec.Type;
            var parts = new System.Collections.Generic.List<string>();
            if (type.Namespace is not null)
            {
                parts.Add(DottedIdentifier(type.Namespace));
            }

            foreach (ContainingTypeSpec container in type.ContainingTypes)
            {
                parts.Add(Identifier(container.Name));
            }

            parts.Add(Identifier(type.Name));
            return "global::" + string.Join(".", parts);
        }
    }

    /// <summary>Lanes of <see cref="T"/> in a vector of the given width.</summary>
    public int Lanes(SimdWidth width) => width.Bits / 8 / Layout.ElementBytes;

    /// <summary>A literal of type <see cref="T"/>.</summary>
    public string Lit(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return Spec.Precision == PrecisionKind.Double ? text + "d" : text + "f";
    }

    /// <summary>
    /// The package version this generator was built as (MinVer's, e.g. 0.2.1-alpha.0.5), without the build
    /// metadata the SDK appends (+commit). The assembly version cannot serve: MinVer keeps it at major.0.0.0.
    /// </summary>
    public static readonly string GeneratorVersion = ReadGeneratorVersion();

    public static readonly string GeneratedCode =
        $"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen\", \"{GeneratorVersion}\")]";

    private static string ReadGeneratorVersion()
    {
        Assembly assembly = typeof(EmitContext).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        int metadata = informational!.IndexOf('+');
        return metadata < 0 ? informational : informational.Substring(0, metadata);
    }

    /// <summary>An identifier, escaped with '@' when it is a keyword.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.UnderscoreToken
            ? "@" + name
            : name;

    /// <summary>A dotted name (namespace) with each part escaped.</summary>
    public static string DottedIdentifier(string name) => string.Join(".", Array.ConvertAll(name.Split('.'), Identifier));
}
