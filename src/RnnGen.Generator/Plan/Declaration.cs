using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Plan;

/// <summary>The declaration as a weight file records it (safetensors <c>__metadata__</c>), and the generator's version.</summary>
internal static class Declaration
{
    /// <summary>The generator's version, stamped into <c>[GeneratedCode]</c> and weight files.</summary>
    public static readonly string Version = typeof(Declaration).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>What a file must agree on to load into the model (sizes are checked through shapes as well).</summary>
    public static IEnumerable<(string Key, string Value)> Identity(ModelSpec s)
    {
        yield return ("rnngen.cell", s.Cell.ToString().ToLowerInvariant());
        yield return ("rnngen.activation", s.Activation.ToString().ToLowerInvariant());
        yield return ("rnngen.input", s.TokenInput ? "vocab" : "dense");
        yield return ("rnngen.input_size", s.InputWidth.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.hidden", s.Hidden.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.output", s.Output.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.loss", s.Loss == LossKind.CrossEntropy ? "cross_entropy" : "squared_error");
        yield return ("rnngen.outputs", s.Outputs == OutputsKind.EveryStep ? "every_step" : "last_step");
        yield return ("rnngen.recurrence", s.Recurrence.ToString().ToLowerInvariant());
        yield return ("rnngen.layers", s.Layers.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.bidirectional", s.Bidirectional ? "true" : "false");
        yield return ("rnngen.projection", s.Projection.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Training-only settings a file records but need not agree on.</summary>
    public static IEnumerable<(string Key, string Value)> Training(ModelSpec s)
    {
        yield return ("rnngen.truncate", s.Truncate.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.max_steps", s.MaxSteps.ToString(CultureInfo.InvariantCulture));
        yield return ("rnngen.precision", s.Precision == PrecisionKind.Double ? "double" : "single");
    }
}
