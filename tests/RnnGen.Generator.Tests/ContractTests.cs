using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.Tests;

namespace RnnGen.Generator.Tests;

/// <summary>
/// docs/contract.md lists the public members of a generated model, by kind of declaration, in blocks marked
/// <c>&lt;!-- snippet: contract Model if FEATURE and FEATURE --&gt;</c> (or <c>contract State ...</c> for the streaming
/// state's members), in terms of <c>Model</c>, <c>T</c>, <c>TInput</c> and <c>TTarget</c>. This generates one model of
/// each kind and compares its public members with the lines of the blocks whose features it has: a member the page
/// does not list, or a listed member the model lacks, fails with both lists.
/// </summary>
public sealed class ContractTests
{
    /// <summary>The features a block may name; each case below says which it has.</summary>
    private static readonly string[] Features =
    [
        "token", "dense", "cross-entropy", "squared-error", "streaming", "language-model",
        "lstm", "stacked", "output-recurrence", "projection", "dropout", "threads", "embedding", "composes", "batch",
    ];

    /// <summary>One declaration of each kind, and its features. T, TInput and TTarget follow from them.</summary>
    public static readonly TheoryData<string, string, string> Cases = new()
    {
        { "WordModel", "[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)]", "token cross-entropy streaming language-model composes" },
        { "Tagger", "[RnnModel(Hidden = 32, Vocab = 500, Output = 8, Cell = CellType.Gru)]", "token cross-entropy streaming composes" },
        { "Sentiment", "[RnnModel(Hidden = 16, Vocab = 100, Output = 2, Cell = CellType.Gru, Outputs = Outputs.LastStep)]", "token cross-entropy streaming composes" },
        { "NextToken", "[RnnModel(Hidden = 16, Vocab = 10, Outputs = Outputs.LastStep)]", "token cross-entropy streaming composes" },
        { "Scorer", "[RnnModel(Hidden = 8, Vocab = 10, Output = 2, Loss = Loss.SquaredError)]", "token squared-error streaming composes" },
        { "Distortion", "[RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]", "dense squared-error streaming lstm composes" },
        { "Gesture", "[RnnModel(Hidden = 16, Input = 3, Output = 4, Outputs = Outputs.LastStep)]", "dense cross-entropy streaming composes" },
        { "Echo", "[RnnModel(Hidden = 8, Input = 2, Output = 2, Loss = Loss.SquaredError, Recurrence = Recurrence.Output)]", "dense squared-error streaming output-recurrence composes" },
        { "DeepChars", "[RnnModel(Hidden = 32, Vocab = 50, Cell = CellType.Lstm, Layers = 2, Dropout = 0.1)]", "token cross-entropy streaming language-model lstm stacked dropout composes" },
        { "DeepGru", "[RnnModel(Hidden = 16, Input = 4, Output = 2, Cell = CellType.Gru, Layers = 3, Loss = Loss.SquaredError)]", "dense squared-error streaming stacked composes" },
        { "Projected", "[RnnModel(Hidden = 16, Vocab = 10, Cell = CellType.Lstm, Projection = 8, Precision = Precision.Double)]", "token cross-entropy streaming language-model lstm projection composes" },
        { "BiTagger", "[RnnModel(Hidden = 16, Vocab = 100, Output = 8, Cell = CellType.Lstm, Bidirectional = true, Layers = 2, Dropout = 0.2)]", "token cross-entropy lstm stacked dropout" },
        { "BiRegressor", "[RnnModel(Hidden = 8, Input = 3, Output = 1, Bidirectional = true, Loss = Loss.SquaredError, Precision = Precision.Double)]", "dense squared-error" },
        { "Wide", "[RnnModel(Hidden = 256, Input = 64, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]", "dense squared-error streaming lstm threads composes" },
        { "Embedded", "[RnnModel(Hidden = 16, Vocab = 30, Embedding = 8, Cell = CellType.Gru)]", "token cross-entropy streaming language-model embedding composes" },
        { "Channels", "[RnnModel(Hidden = 16, Input = 2, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Batch = 8)]", "dense squared-error streaming lstm composes batch" },
        { "Players", "[RnnModel(Hidden = 16, Vocab = 40, Output = 5, Cell = CellType.Gru, Batch = 100)]", "token cross-entropy streaming composes batch" },
        { "BatchedTagger", "[RnnModel(Hidden = 16, Vocab = 40, Output = 5, Bidirectional = true, Batch = 32)]", "token cross-entropy batch" },
    };

    private static readonly SymbolDisplayFormat TypeFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedMembersAreThoseTheContractLists(string name, string attribute, string features)
    {
        string[] has = features.Split(' ');
        Assert.All(has, f => Assert.Contains(f, Features));
        bool dense = has.Contains("dense"), squared = has.Contains("squared-error");
        string t = attribute.Contains("Precision.Double", StringComparison.Ordinal) ? "double" : "float";
        string input = dense ? t : "int", target = squared ? t : "int";

        var (result, output) = GeneratorRunner.Run($"using RnnGen;\n{attribute}\npublic partial class {name} {{ }}");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorRunner.CompileDiagnostics(output));
        INamedTypeSymbol model = output.GetTypeByMetadataName(name)!;

        foreach ((string type, INamedTypeSymbol? symbol) in new[] { ("Model", model), ("State", model.GetTypeMembers("State").SingleOrDefault()) })
        {
            string[] documented = ContractBlocks()
                .Where(b => b.Type == type && b.Features.All(has.Contains))
                .SelectMany(b => b.Members)
                .Select(m => Substitute(m, t, input, target))
                .Order(StringComparer.Ordinal)
                .ToArray();
            string[] generated = symbol is null
                ? []
                : PublicMembers(symbol).Select(m => Describe(m, symbol.Name == name ? "Model" : symbol.Name)).Order(StringComparer.Ordinal).ToArray();

            string[] missing = documented.Except(generated).ToArray(), extra = generated.Except(documented).ToArray();
            Assert.True(missing.Length == 0 && extra.Length == 0,
                $"{name} ({features}), members of {type}:\n"
                + $"listed in docs/contract.md but not generated:\n  {string.Join("\n  ", missing)}\n"
                + $"generated but not listed in docs/contract.md:\n  {string.Join("\n  ", extra)}");
        }
    }

    [Fact]
    public void EveryListedMemberBelongsToSomeCase()
    {
        // A block whose features no case has (a misspelt feature, say) would be compared with nothing.
        var cases = Cases.Select(c => ((string)c[2]).Split(' ')).ToArray();
        foreach (ContractBlock block in ContractBlocks())
        {
            Assert.All(block.Features, f => Assert.Contains(f, Features));
            Assert.True(cases.Any(has => block.Features.All(has.Contains)),
                $"docs/contract.md line {block.Line}: no case has all of {string.Join(", ", block.Features)}.");
            Assert.NotEmpty(block.Members);
        }
    }

    [Fact]
    public void ModelsImplementTheRuntimeInterface()
    {
        // The contract's closing claim: every generated model is an IRnnModel<T, TInput, TTarget> of its own types.
        var (_, output) = GeneratorRunner.Run("using RnnGen;\n[RnnModel(Hidden = 8, Input = 3, Output = 2, Precision = Precision.Double)]\npublic partial class M { }");
        INamedTypeSymbol model = output.GetTypeByMetadataName("M")!;
        Assert.Equal("IRnnModel<double, double, int>", Assert.Single(model.Interfaces).ToDisplayString(TypeFormat));
    }

    private sealed record ContractBlock(int Line, string Type, string[] Features, string[] Members);

    private static IEnumerable<ContractBlock> ContractBlocks()
    {
        string path = Path.Combine(Repository.Root, "docs", "contract.md");
        foreach (MarkdownBlock block in MarkdownBlocks.All(File.ReadAllText(path), "csharp"))
        {
            if (block.Marker is null || !block.Marker.StartsWith("contract ", StringComparison.Ordinal))
            {
                continue;
            }

            Match m = Regex.Match(block.Marker, "^contract (Model|State)(?: if (.+))?$");
            Assert.True(m.Success, $"docs/contract.md line {block.Line}: the marker should read 'contract Model|State [if feature and feature]': '{block.Marker}'");
            string[] features = m.Groups[2].Success ? m.Groups[2].Value.Split(" and ", StringSplitOptions.TrimEntries) : [];
            string[] members = block.Text.Split('\n')
                .Select(line => Regex.Replace(line, "//.*$", "").Trim())
                .Where(line => line.Length > 0)
                .Select(line => Normalise(line.TrimEnd(';')))
                .ToArray();
            yield return new ContractBlock(block.Line, m.Groups[1].Value, features, members);
        }
    }

    private static string Substitute(string member, string t, string input, string target) =>
        Normalise(Regex.Replace(member, "\\b(T|TInput|TTarget)\\b", w => w.Value switch
        {
            "T" => t,
            "TInput" => input,
            _ => target,
        }));

    private static string Normalise(string text) => Regex.Replace(text, "\\s+", " ").Trim();

    /// <summary>Public members a user can call, without accessors (their properties stand for them) and the compiler's implicit struct constructor.</summary>
    private static IEnumerable<ISymbol> PublicMembers(INamedTypeSymbol type) =>
        type.GetMembers().Where(m => m.DeclaredAccessibility == Accessibility.Public
            && !m.IsImplicitlyDeclared
            && m is not IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet });

    /// <summary>A member as the contract writes it: <c>public T Forward(ReadOnlySpan&lt;TInput&gt; inputs, ...)</c>, after substitution.</summary>
    private static string Describe(ISymbol member, string typeName)
    {
        string Type(ITypeSymbol type) => type.ToDisplayString(TypeFormat);
        string Parameter(IParameterSymbol p)
        {
            string refKind = p.RefKind switch { RefKind.Ref => "ref ", RefKind.Out => "out ", RefKind.In => "in ", _ => "" };
            string value = p.HasExplicitDefaultValue ? " = " + (p.ExplicitDefaultValue?.ToString() ?? "null") : "";
            return $"{refKind}{Type(p.Type)} {p.Name}{value}";
        }

        string text = member switch
        {
            IFieldSymbol { IsConst: true } f => $"public const {Type(f.Type)} {f.Name}",
            IFieldSymbol f => $"public {(f.IsStatic ? "static " : "")}{(f.IsReadOnly ? "readonly " : "")}{Type(f.Type)} {f.Name}",
            IPropertySymbol p => $"public {(p.ReturnsByRef ? "ref " : "")}{Type(p.Type)} {p.Name}{(p.Parameters.Length > 0 ? "[" + string.Join(", ", p.Parameters.Select(Parameter)) + "]" : "")} {{ {(p.GetMethod is { DeclaredAccessibility: Accessibility.Public } ? "get; " : "")}{(p.SetMethod is { DeclaredAccessibility: Accessibility.Public } ? "set; " : "")}}}",
            IMethodSymbol { MethodKind: MethodKind.Constructor } c => $"public {typeName}({string.Join(", ", c.Parameters.Select(Parameter))})",
            IMethodSymbol m => $"public {(m.IsStatic ? "static " : "")}{(m.ReturnsByRef ? "ref " : "")}{Type(m.ReturnType)} {m.Name}({string.Join(", ", m.Parameters.Select(Parameter))})",
            INamedTypeSymbol n => $"public {(n.TypeKind == TypeKind.Struct ? "struct" : "class")} {n.Name}",
            _ => throw new InvalidOperationException($"Unexpected member {member}"),
        };
        return Normalise(text);
    }

}
