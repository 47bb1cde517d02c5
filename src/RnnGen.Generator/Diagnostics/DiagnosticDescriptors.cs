using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Each id has a row in docs/diagnostics.md and in
/// AnalyzerReleases.*.md; messages say what to change, not only what is wrong.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NotPartial = Error("RNNG001",
        "Model class must be partial",
        "'{0}' must be declared 'partial' so RnnGen can add the generated network to it");

    public static readonly DiagnosticDescriptor NotAClass = Error("RNNG002",
        "Model must be a class",
        "[RnnModel] needs a partial class, but '{0}' is a {1}; declare it as 'partial class {0}'");

    public static readonly DiagnosticDescriptor StaticClass = Error("RNNG003",
        "Model class cannot be static",
        "'{0}' is static, but a model holds its parameters and buffers per instance; remove 'static'");

    public static readonly DiagnosticDescriptor GenericClass = Error("RNNG004",
        "Model class cannot be generic",
        "'{0}' is generic, but a model's sizes are compile-time constants; declare [RnnModel] on a non-generic class");

    public static readonly DiagnosticDescriptor GenericContainer = Error("RNNG005",
        "Model class cannot be nested in a generic type",
        "'{0}' is nested in the generic type '{1}'; move the model out of it or make '{1}' non-generic");

    public static readonly DiagnosticDescriptor ContainerNotPartial = Error("RNNG006",
        "Containing type must be partial",
        "'{0}' is nested in '{1}', which must also be declared 'partial' so the generated code can be placed inside it");

    public static readonly DiagnosticDescriptor HiddenMissing = Error("RNNG007",
        "Hidden size missing",
        "Set Hidden, the number of hidden units (1..4096), e.g. [RnnModel(Hidden = 100, Vocab = 8000)]");

    public static readonly DiagnosticDescriptor OutOfRange = Error("RNNG008",
        "Size out of range",
        "{0} = {1} is outside the supported range {2}..{3}");

    public static readonly DiagnosticDescriptor NoInput = Error("RNNG009",
        "Input kind missing",
        "Set exactly one of Vocab (token ids 0..Vocab-1) or Input (dense vectors of Input floats per step)");

    public static readonly DiagnosticDescriptor BothInputs = Error("RNNG010",
        "Two input kinds",
        "Vocab and Input are both set; keep Vocab for token ids or Input for dense vectors, not both");

    public static readonly DiagnosticDescriptor OutputMissing = Error("RNNG011",
        "Output size missing",
        "Set Output, the number of classes (cross-entropy) or values (squared error) per step; only token models default it to Vocab");

    public static readonly DiagnosticDescriptor TruncateNegative = Error("RNNG012",
        "Negative truncation",
        "Truncate = {0} is negative; use 0 for full backpropagation through time, or k > 0 to stop each loss's gradient k steps back");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("RNNG013",
        "Undefined option value",
        "{0} = {1} is not a defined {2} value; use one of {3}");

    // RNNG014 ("option not supported yet") is retired: every option of the attribute is generated.

    public static readonly DiagnosticDescriptor ModelTooLarge = Error("RNNG015",
        "Model too large",
        "The model's {0} need {1:N0} elements, more than one .NET array holds ({2:N0}); reduce {3}");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error("RNNG016",
        "C# 12 required",
        "RnnGen generates C# 12 (inline arrays, file-local types), but this project compiles C# {0}; set <LangVersion>12</LangVersion> or later");

    public static readonly DiagnosticDescriptor DropoutOutOfRange = Error("RNNG017",
        "Dropout out of range",
        "Dropout = {0} must be a probability in [0, 1)");

    public static readonly DiagnosticDescriptor DropoutWithoutLayers = new("RNNG019",
        "Dropout has no effect",
        "Dropout = {0} has no effect with one layer: dropout acts between stacked layers (PyTorch applies it to every layer's output but the last); set Layers > 1 or remove Dropout",
        "RnnGen", DiagnosticSeverity.Warning, isEnabledByDefault: true,
        helpLinkUri: "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics.md#rnng019");

    public static readonly DiagnosticDescriptor InvalidCombination = Error("RNNG018",
        "Option does not apply",
        "{0} applies to {1} only, but this model {2}; remove {0}");

    public static readonly DiagnosticDescriptor MemberNameClash = Error("RNNG020",
        "Member clashes with a generated member",
        "'{0}' clashes with {1}, which RnnGen generates into '{2}'; rename or remove '{0}'");

    public static readonly DiagnosticDescriptor ClassNameClash = Error("RNNG021",
        "Model class named like a generated member",
        "A model class cannot be named '{0}': RnnGen generates {1} into it, and a member cannot have its class's name; rename the class");

    public static readonly DiagnosticDescriptor FileLocal = Error("RNNG022",
        "Model class cannot be file-local",
        "'{0}' is {1}; the generated code lives in a file of its own and cannot reopen a 'file' type, so remove 'file'");

    public static readonly DiagnosticDescriptor InvalidNativePrefix = Error("RNNG024",
        "NativeExports is not a C identifier",
        "NativeExports = \"{0}\" cannot prefix C function names ({0}_create, {0}_step, ...); use letters, digits and '_', not starting with a digit, e.g. \"{1}\"");

    public static readonly DiagnosticDescriptor NativeExportsUnreachable = Error("RNNG025",
        "NativeExports needs a model the assembly can reach",
        "'{0}' is {1}, but the C entry points that NativeExports generates live beside it in the assembly and must create it; make it internal or public");
}
