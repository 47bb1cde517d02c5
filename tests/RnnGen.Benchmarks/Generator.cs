using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;

namespace RnnGen.Benchmarks;

/// <summary>
/// The generator as the compiler runs it: a fresh <see cref="CSharpGeneratorDriver"/> on a compilation holding one
/// model declaration (so nothing is cached from a previous run), and the whole compile of such a minimal consumer
/// (generate, then emit the assembly), as a warm compiler server does it.
/// </summary>
[MemoryDiagnoser]
public class Generator
{
    /// <summary>samples/Streaming's declaration, and the tutorial's.</summary>
    public static readonly IReadOnlyDictionary<string, string> Declarations = new Dictionary<string, string>
    {
        ["Streaming"] = "[RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 256)]",
        ["Tutorial"] = "[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)]",
    };

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(RnnModelAttribute).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    [Params("Streaming", "Tutorial")]
    public string Model { get; set; } = "Streaming";

    private CSharpCompilation _compilation = null!;

    public static CSharpCompilation Consumer(string attribute) =>
        CSharpCompilation.Create(
            "Consumer",
            new[] { CSharpSyntaxTree.ParseText($"using RnnGen;\nnamespace Consumer;\n{attribute}\npublic partial class Model {{ }}\n", ParseOptions, path: "Model.cs") },
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    private static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(new[] { new RnnModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);

    [GlobalSetup]
    public void Setup()
    {
        _compilation = Consumer(Declarations[Model]);
        string failure = CompileFailure(_compilation);
        if (failure.Length > 0) throw new InvalidOperationException(failure);
    }

    [Benchmark(Description = "Generator: generate one model")]
    public int Generate() => Driver().RunGenerators(_compilation).GetRunResult().Results[0].GeneratedSources.Length;

    [Benchmark(Description = "Generator: generate + compile a minimal consumer")]
    public long Compile()
    {
        Driver().RunGeneratorsAndUpdateCompilation(_compilation, out Compilation output, out _);
        using var stream = new MemoryStream();
        if (!output.Emit(stream).Success) throw new InvalidOperationException("the consumer did not compile");
        return stream.Length;
    }

    /// <summary>UTF-8 bytes of everything the generator writes for one declaration.</summary>
    public static long GeneratedBytes(string attribute)
    {
        GeneratorRunResult result = Driver().RunGenerators(Consumer(attribute)).GetRunResult().Results[0];
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        return result.GeneratedSources.Sum(s => (long)Encoding.UTF8.GetByteCount(s.SourceText.ToString()));
    }

    /// <summary>Empty when the generated code compiles without errors; the errors otherwise.</summary>
    private static string CompileFailure(CSharpCompilation compilation)
    {
        Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return string.Join("\n", output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
