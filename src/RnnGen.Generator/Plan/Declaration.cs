using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Plan;

/// <summary>The declaration as a weight file records it (safetensors <c>__metadata__</c>), and the generator's version.</summary>
internal static class Declaration
{
    /// <summary>
    /// The package version this generator was built as (MinVer's, e.g. 0.2.1-alpha.0.5), stamped into
    /// <c>[GeneratedCode]</c> and weight files, without the build metadata the SDK appends (+commit). The assembly version
    /// cannot serve: MinVer keeps it at major.0.0.0.
    /// </summary>
    public static readonly string Version = ReadVersion();

    private static string ReadVersion()
    {
        Assembly assembly = typeof(Declaration).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        int metadata = informational!.IndexOf('+');
        return metadata < 0 ? informational : informational.Substring(0, metadata);
    }

    /// <summary>What a file must agree on to load into the model (sizes are checked through shapes as well).</summary>
    public static IEnumerable<(string Key, string Value)> Identity(ModelSpec s)
    {
        yield return ("rnngen.cell", s.Cell.ToString().ToLowerInvariant());
        yield return ("rnngen.activation", s.Activation.ToString().ToLowerInvariant());
        yield return ("rnngen.input", s.TokenInput ? "vocab" : "dense");
        yield return ("rnngen.input_size", s.InputWidth.ToString(CultureInfo.InvariantCulture));
        if (s.Embedding > 0)
        {
            // Only when there is one: files of models without an embedding layer stay as they were.
            yield return ("rnngen.embedding", s.Embedding.ToString(CultureInfo.InvariantCulture));
        }

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
