using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>
/// An invalid declaration reports its one error, and nothing else: the class still gets its public members (with
/// bodies that throw an exception naming the error), so code that uses the model does not also report every member
/// as missing (CS1061, CS0117, CS0426), as the Regex generator does for an invalid pattern.
/// </summary>
public class InvalidDeclarationTests
{
    /// <summary>What a token language model's user writes: every usual member, the State, Step, Generate and a trainer.</summary>
    private const string TokenUse = """
        static class Use
        {
            public static float Run(System.IO.Stream file)
            {
                var model = new M();
                int[] x = { 1, 2 }, y = { 1, 0 };
                float loss = model.Forward(x, y) + model.Backward(x, y) + model.SgdStep(x, y, 0.1f);
                int written = model.Predict(x, new int[2]) + model.Probabilities(x, new float[2 * M.Output]);
                var state = default(M.State);
                model.Step(ref state, 1, new float[M.Output]);
                loss += model.Forward(x, y, ref state) + model.Backward(x, y, ref state) + model.SgdStep(x, y, 0.1f, ref state);
                written += model.Predict(x, new int[2], ref state) + model.Probabilities(x, new float[2 * M.Output], ref state);
                System.Span<float> h = state.Hidden;
                state.Reset();
                model.LoadWeights(file);
                model.LoadWeights(file, new RnnGen.WeightLoadOptions { AllowNonFinite = true });
                model.SaveWeights(file);
                model.SaveGradients(file);
                model.Initialize(3);
                model.ZeroGradients();
                model.NonFiniteAction = RnnGen.NonFiniteAction.Skip;
                var random = new RnnGen.RnnRandom(1);
                written += model.Generate(x, new int[4], 1f, ref random, endToken: 0);
                var trainer = new RnnGen.Training.Trainer<float, int, int>(model, new RnnGen.Training.Sgd<float>(model.Parameters.Length, 0.1f));
                int sizes = M.Hidden + M.Vocab + M.Output + M.MaxSteps + M.Truncate + M.Layers + M.ParameterCount + model.Gradients.Length;
                return loss + written + sizes + h.Length + model.SkippedSteps + (model.TryLocateParameter(0, out string name, out int row, out int column) ? 1 : 0);
            }
        }
        """;

    /// <summary>A dense, double-precision, two-layer projected LSTM regressor with dropout.</summary>
    private const string DenseUse = """
        static class Use
        {
            public static double Run()
            {
                var model = new M();
                double[] x = new double[2 * M.Input], y = new double[2 * M.Output];
                double loss = model.Forward(x, y) + model.Backward(x, y) + model.SgdStep(x, y, 0.1);
                int written = model.Predict(x, new double[y.Length]);
                var state = default(M.State);
                model.Step(ref state, new double[M.Input], new double[M.Output]);
                written += model.Predict(x, new double[y.Length], ref state);
                System.Span<double> c = state.Cell, h1 = state.HiddenOf(1), c1 = state.CellOf(1);
                ref RnnGen.RnnRandom random = ref model.DropoutRandom;
                var trainer = new RnnGen.Training.Trainer<double, double, double>(model, new RnnGen.Training.Adam<double>(model.Parameters.Length, 0.01));
                return loss + written + c.Length + h1.Length + c1.Length + M.Projection + M.Layers;
            }
        }
        """;

    /// <summary>A bidirectional sequence classifier: no State, no Step.</summary>
    private const string BidirectionalUse = """
        static class Use
        {
            public static float Run()
            {
                var model = new M();
                float[] x = new float[3 * M.Input];
                int[] y = { 1 };
                float loss = model.Forward(x, y) + model.SgdStep(x, y, 0.1f);
                return loss + model.Predict(x, new int[1]) + model.Probabilities(x, new float[M.Output]);
            }
        }
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "RNNG008", "[RnnModel(Hidden = 0, Vocab = 5, MaxSteps = 8)] public partial class M { }", TokenUse },
        { "RNNG007", "[RnnModel(Vocab = 5)] public partial class M { }", TokenUse },
        { "RNNG012", "[RnnModel(Hidden = 4, Vocab = 5, Truncate = -3)] public partial class M { }", TokenUse },
        { "RNNG013", "[RnnModel(Hidden = 4, Vocab = 5, Loss = (Loss)7)] public partial class M { }", TokenUse },
        { "RNNG010", "[RnnModel(Hidden = 4, Vocab = 5, Input = 3, Output = 5)] public partial class M { }", TokenUse.Replace("M.Vocab", "M.Vocab + M.Input", StringComparison.Ordinal) },
        { "RNNG017", "[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 4, Layers = 2, Dropout = 1.5, Loss = Loss.SquaredError, Precision = Precision.Double)] public partial class M { }", DenseUse },
        { "RNNG018", "[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 4, Layers = 2, Dropout = 0.5, Activation = Activation.Relu, Loss = Loss.SquaredError, Precision = Precision.Double)] public partial class M { }", DenseUse },
        { "RNNG018", "[RnnModel(Hidden = 8, Input = 3, Output = 4, Bidirectional = true, Outputs = Outputs.LastStep, Truncate = 2)] public partial class M { }", BidirectionalUse },
        { "RNNG015", "[RnnModel(Hidden = 4096, Vocab = 16000000)] public partial class M { }", TokenUse },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5)] public partial class M { public int Truncate; }", TokenUse.Replace(" + M.Truncate", "", StringComparison.Ordinal) },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5)] public partial class M { public long SkippedSteps => 0; }", TokenUse },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheDeclarationsErrorIsTheOnlyError(string id, string declaration, string use)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run("using RnnGen;\n" + declaration, use);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal(id, error.Id);
        Assert.True(error.Location.IsInSource, "the error keeps its location in the declaration (pragma-suppressible)");
        IReadOnlyList<Diagnostic> others = GeneratorRunner.CompileDiagnostics(output);
        Assert.True(others.Count == 0, string.Join("\n", others.Take(10)));
    }

    [Fact]
    public void AnAttributeThatDoesNotCompileKeepsTheCompilersErrorAlone()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run("using RnnGen;\n[RnnModel(Hidden = \"4\", Vocab = 5)] public partial class M { }", TokenUse);
        Assert.Empty(result.Diagnostics);
        Diagnostic error = Assert.Single(GeneratorRunner.CompileDiagnostics(output));
        Assert.Equal("Source0.cs", error.Location.SourceTree!.FilePath);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }

    [Fact]
    public void TheMembersThrowAnExceptionNamingTheError()
    {
        (_, Compilation output) = GeneratorRunner.Run(
            "using RnnGen;\nnamespace Demo;\n[RnnModel(Hidden = 0, Vocab = 5)] public partial class M { }",
            """
            namespace Demo;
            public static class Probe
            {
                public static string StateHidden()
                {
                    try { var s = default(M.State); return s.Hidden.Length.ToString(); }
                    catch (System.InvalidOperationException e) { return e.Message; }
                }
            }
            """);
        Assembly assembly = GeneratorRunner.Load(output);
        Type type = assembly.GetType("Demo.M")!;
        var e = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(type));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal(
            "RnnGen did not generate Demo.M, because its [RnnModel] declaration is invalid (RNNG008: Hidden = 0 is outside the supported range 1..4096). Fix the declaration and build again.",
            e.InnerException!.Message);

        // Members that need no instance throw the same; the constants are there, as far as the declaration can be read.
        Assert.Equal(e.InnerException.Message, assembly.GetType("Demo.Probe")!.GetMethod("StateHidden")!.Invoke(null, null));
        Assert.Equal(5, (int)type.GetField("Vocab")!.GetValue(null)!);
        Assert.Equal(5, (int)type.GetField("Output")!.GetValue(null)!);
    }

    [Fact]
    public void ShapeErrorsGenerateNothing()
    {
        // A class that cannot take generated members: generating them would add errors, not remove them.
        foreach (string declaration in new[]
        {
            "[RnnModel(Hidden = 0, Vocab = 5)] class M { }",
            "[RnnModel(Hidden = 0, Vocab = 5)] static partial class M { }",
            "[RnnModel(Hidden = 0, Vocab = 5)] partial class M<T> { }",
            "class Outer { [RnnModel(Hidden = 0, Vocab = 5)] partial class M { } }",
        })
        {
            (GeneratorDriverRunResult result, _) = GeneratorRunner.Run("using RnnGen;\n" + declaration);
            Assert.Empty(result.Results.Single().GeneratedSources);
        }
    }

    /// <summary>Declarations covering every optional member: the thrown-in surface must declare exactly what the model does.</summary>
    public static TheoryData<string> Surfaces => new()
    {
        "[RnnModel(Hidden = 100, Vocab = 80, Truncate = 4)]",
        "[RnnModel(Hidden = 16, Vocab = 30, Output = 5, MaxSteps = 12, Precision = Precision.Double, Outputs = Outputs.LastStep)]",
        "[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 4, Layers = 2, Dropout = 0.5, Loss = Loss.SquaredError, Precision = Precision.Double)]",
        "[RnnModel(Hidden = 8, Input = 3, Output = 4, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Outputs = Outputs.LastStep)]",
        "[RnnModel(Hidden = 8, Vocab = 6, Output = 4, Recurrence = Recurrence.Output)]",
        "[RnnModel(Hidden = 256, Input = 4, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError)]", // Threads
    };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public void TheSurfaceDeclaresTheModelsPublicMembers(string attribute)
    {
        (GeneratorDriverRunResult valid, Compilation model) = GeneratorRunner.Run($"using RnnGen; {attribute} public partial class M {{ }}");
        Assert.Empty(valid.Diagnostics);

        // The same options with a clash on a private generated field: a surface, all of whose members are public.
        (GeneratorDriverRunResult invalid, Compilation surface) = GeneratorRunner.Run($"using RnnGen; {attribute} public partial class M {{ private int _workspace; }}");
        Assert.Equal("RNNG020", Assert.Single(invalid.Diagnostics).Id);
        Assert.Contains("throw global::RnnGen.Generated.MNotGenerated.Error()", invalid.Results.Single().GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);

        Assert.Equal(PublicMembers(model), PublicMembers(surface));
    }

    private static string[] PublicMembers(Compilation compilation)
    {
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("M")!;
        var members = new List<string> { "interfaces: " + string.Join(", ", type.Interfaces.Select(i => i.ToDisplayString())) };
        foreach (INamedTypeSymbol t in new[] { type }.Concat(type.GetTypeMembers()))
        {
            members.AddRange(t.GetMembers()
                .Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsImplicitlyDeclared)
                .Select(m => (m is IFieldSymbol f && f.IsConst ? "const " : "") + m.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.AddMemberOptions(SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeRef))));
        }

        return members.Order(StringComparer.Ordinal).ToArray();
    }
}
