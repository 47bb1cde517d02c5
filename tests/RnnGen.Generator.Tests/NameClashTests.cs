using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>
/// RNNG020 protects every member the generator adds: for each one actually generated (read from the
/// compiled output, so a new generated member cannot be forgotten), a user member of the same name, or
/// a method with the same parameter types, is reported instead of breaking the generated code.
/// </summary>
public class NameClashTests
{
    public static TheoryData<string> Declarations => new()
    {
        "[RnnModel(Hidden = 4, Vocab = 5)]",
        "[RnnModel(Hidden = 4, Input = 3, Output = 2, Loss = Loss.SquaredError, Precision = Precision.Double, Cell = CellType.Lstm, Projection = 2, Layers = 2, Dropout = 0.5)]",
        "[RnnModel(Hidden = 4, Vocab = 5, Output = 3, Bidirectional = true, Outputs = Outputs.LastStep)]",
        "[RnnModel(Hidden = 256, Input = 4, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError)]", // Threads: a split recurrence
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void EveryGeneratedMemberIsProtected(string attribute)
    {
        (GeneratorDriverRunResult clean, Compilation output) = GeneratorRunner.Run($"using RnnGen; {attribute} partial class M {{ }}");
        Assert.Empty(clean.Diagnostics);
        INamedTypeSymbol model = output.GetTypeByMetadataName("M")!;
        var generated = model.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.Locations.Any(l => l.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true)).ToList();
        Assert.True(generated.Count > 20, $"only {generated.Count} generated members found");

        var userMembers = new List<string>();
        foreach (ISymbol member in generated)
        {
            // An explicit interface implementation (ShareParameters, IComposableModel's sizes and their getters) has no name
            // in the class for a user member to take.
            if (member is IMethodSymbol { ExplicitInterfaceImplementations.IsEmpty: false } or IPropertySymbol { ExplicitInterfaceImplementations.IsEmpty: false })
            {
                continue;
            }

            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor })
            {
                userMembers.Add("public M() { }");
                continue;
            }

            // The same name as a field is always a clash (CS0102)...
            if (member is not IMethodSymbol)
            {
                userMembers.Add($"public int {member.Name};");
                continue;
            }

            // ...and a method with the same parameter types (CS0111); State is the generated one, unknown to user code until then.
            var method = (IMethodSymbol)member;
            string parameters = string.Join(", ", method.Parameters.Select((p, i) =>
                (p.RefKind == RefKind.None ? "" : "ref ") + p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::M.State", "State", System.StringComparison.Ordinal) + $" p{i}"));
            userMembers.Add($"public void {method.Name}({parameters}) {{ }}");
        }

        foreach (string userMember in userMembers.Distinct())
        {
            (GeneratorDriverRunResult result, Compilation clashing) = GeneratorRunner.Run($"using RnnGen; {attribute} partial class M {{ {userMember} }}");
            Assert.True(result.Diagnostics.Any(d => d.Id == "RNNG020"), $"{userMember}: no RNNG020 ({string.Join(", ", result.Diagnostics)})");

            // The model is not generated; its members are, with bodies that throw, leaving out the one the user has.
            string surface = result.Results.Single().GeneratedSources.Single().SourceText.ToString();
            Assert.Contains("NotGenerated.Error()", surface, System.StringComparison.Ordinal);
            IReadOnlyList<Diagnostic> errors = GeneratorRunner.CompileDiagnostics(clashing);
            Assert.True(errors.Count == 0, $"{userMember}: " + string.Join("\n", errors.Take(5)));
        }
    }

    [Fact]
    public void OverloadsWithOtherParametersAreFineAndCompile()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run("""
            using RnnGen;
            [RnnModel(Hidden = 4, Vocab = 5)]
            partial class M
            {
                public M(int seed) : this() => Initialize(seed);
                public float Forward(string text) => 0;
                public void ZeroGradients<T>() { }
                public float SgdStep(System.ReadOnlySpan<int> a, System.ReadOnlySpan<int> b, double rate) => 0;
                public int Input;
            }
            """);
        Assert.Empty(result.Diagnostics);
        IReadOnlyList<Diagnostic> diagnostics = GeneratorRunner.CompileDiagnostics(output);
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics.Take(20)));
    }

    [Fact]
    public void TheMessageNamesBothMembers()
    {
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run("using RnnGen; [RnnModel(Hidden = 4, Vocab = 5)] partial class M { public int MaxSteps; }");
        Assert.Equal(
            "'MaxSteps' clashes with the constant MaxSteps, which RnnGen generates into 'M'; rename or remove 'MaxSteps'",
            Assert.Single(result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
