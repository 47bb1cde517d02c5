using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.Tests;
using Xunit.Abstractions;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Hostile declarations, generated from a fixed seed: every kind of type declaration, extreme and
/// wrongly typed attribute values, name clashes, syntax errors, split partial declarations, #if'd
/// code. Each case carries the RNNG ids its own construction implies (an oracle written from the
/// rules in docs/diagnostics.md, not from the generator), and the test checks for every case: the
/// generator never throws, it reports exactly those ids, each documented; a valid case gets one
/// generated file that compiles; a case that is not valid C# keeps the compiler's own error; and no
/// error or warning is ever located in generated code.
/// </summary>
public class FuzzTests
{
    /// <summary>Cases per run: enough to hit every mutation many times, few enough for CI on two cores.</summary>
    public const int CaseCount = 2000;

    private const int Seed = 20261123;
    private const int BatchSize = 50;

    /// <summary>Generated files whose network class is compiled in full (see the comment where it is used).</summary>
    private const int FullyCompiledModels = 20;

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RandomDeclarationsNeverCrashTheGeneratorAndGetTheirDiagnostics()
    {
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(RnnGen.Generator.Tests.Infrastructure.Repository.Root, "docs", "diagnostics.md"));
        var cases = Enumerable.Range(0, CaseCount).Select(i => FuzzCase.Create(i, new Random(Seed + i))).ToList();
        var failures = new List<string>();
        var seen = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int valid = 0, compilerErrors = 0, generated = 0, fullyCompiled = 0;

        foreach (FuzzCase[] batch in cases.Chunk(BatchSize))
        {
            // One compilation per batch (each case in its own namespace and files) keeps the run fast.
            var trees = new List<SyntaxTree>();
            var owner = new Dictionary<SyntaxTree, FuzzCase>();
            foreach (FuzzCase c in batch)
            {
                for (int f = 0; f < c.Sources.Count; f++)
                {
                    SyntaxTree tree = CSharpSyntaxTree.ParseText(c.Sources[f], GeneratorRunner.ParseOptions, path: $"Case{c.Index}_{f}.cs");
                    trees.Add(tree);
                    owner[tree] = c;
                }
            }

            // Unsafe code allowed, as in a project with AllowUnsafeBlocks: 'unsafe partial class' is a legal model.
            Compilation input = GeneratorRunner.Compilation().AddSyntaxTrees(trees);
            input = input.WithOptions(((CSharpCompilationOptions)input.Options).WithAllowUnsafe(true));
            GeneratorDriver driver = GeneratorRunner.Driver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out var driverDiagnostics);
            GeneratorDriverRunResult run = driver.GetRunResult();
            GeneratorRunResult result = run.Results.Single();
            if (result.Exception is not null || driverDiagnostics.Any(d => d.Id is "CS8785" or "AD0001"))
            {
                failures.Add($"batch from case {batch[0].Index}: generator crashed: {result.Exception}\n{string.Join("\n", driverDiagnostics)}");
                continue;
            }

            var generatedByCase = result.GeneratedSources.ToLookup(s => CaseOfHint(s.HintName));
            var rnngByCase = run.Diagnostics.Where(d => d.Id.StartsWith("RNNG", StringComparison.Ordinal))
                .ToLookup(d => d.Location.SourceTree is { } t && owner.TryGetValue(t, out FuzzCase? c) ? c.Index : -1);
            foreach (Diagnostic d in rnngByCase[-1])
            {
                failures.Add($"{d.Id} without a source location in a case: {d}");
            }

            var compileErrors = new List<Diagnostic>();
            foreach (SyntaxTree tree in output.SyntaxTrees)
            {
                SemanticModel semantics = output.GetSemanticModel(tree);
                if (!tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
                {
                    compileErrors.AddRange(semantics.GetDiagnostics());
                    continue;
                }

                // A model's network class (namespace RnnGen.Generated) depends only on its options, never on the
                // user's declaration around it, and compiling it is most of the cost: the first ones (each a random
                // option set) are compiled whole, the rest only in the part inside the user's class.
                // The members of an invalid model (bodies that throw) are few: always compiled whole.
                bool surface = tree.GetText().ToString().Contains("NotGenerated.Error()", StringComparison.Ordinal);
                if (surface || fullyCompiled < FullyCompiledModels)
                {
                    fullyCompiled += surface ? 0 : 1;
                    compileErrors.AddRange(semantics.GetDiagnostics());
                }
                else
                {
                    int network = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.NamespaceDeclarationSyntax>()
                        .First(n => n.Name.ToString() == "RnnGen.Generated").SpanStart;
                    compileErrors.AddRange(semantics.GetDiagnostics(new Microsoft.CodeAnalysis.Text.TextSpan(0, network)));
                }
            }

            compileErrors = compileErrors.Where(d => d.Severity >= DiagnosticSeverity.Warning).Distinct().ToList();
            foreach (Diagnostic d in compileErrors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true))
            {
                failures.Add($"{d.Location.SourceTree!.FilePath}: generated code has {d}");
            }

            var userErrors = compileErrors.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } t && owner.ContainsKey(t))
                .ToLookup(d => owner[d.Location.SourceTree!].Index);

            foreach (FuzzCase c in batch)
            {
                string[] reported = rnngByCase[c.Index].Select(d => d.Id).Distinct().OrderBy(x => x, StringComparer.Ordinal).ToArray();
                foreach (string id in reported)
                {
                    seen[id] = seen.TryGetValue(id, out int n) ? n + 1 : 1;
                    if (!docs.Contains("## " + id, StringComparison.Ordinal))
                    {
                        failures.Add($"case {c.Index}: {id} is not documented in docs/diagnostics.md");
                    }
                }

                int files = generatedByCase[c.Index].Count();
                generated += files;
                bool hasUserErrors = userErrors[c.Index].Any();
                compilerErrors += hasUserErrors ? 1 : 0;
                var allowed = new HashSet<string>(c.Expected) { "RNNG020", "RNNG021" };
                string problem = c.Expectation switch
                {
                    Expectation.CompilerError when !hasUserErrors && !c.SyntaxError => "expected a compiler error in the declaration, got none",
                    Expectation.CompilerError when reported.Any(id => !allowed.Contains(id)) => $"expected at most [{string.Join(", ", allowed)}], reported [{string.Join(", ", reported)}]",
                    Expectation.CompilerError when !c.SyntaxError && !c.Expected.IsSubsetOf(reported) => $"expected [{string.Join(", ", c.Expected)}] besides the compiler's error, reported [{string.Join(", ", reported)}]",
                    Expectation.CompilerError => "",
                    _ when !c.Expected.SetEquals(reported) => $"expected [{string.Join(", ", c.Expected.Order(StringComparer.Ordinal))}], reported [{string.Join(", ", reported)}]",
                    Expectation.Valid when files != 1 => $"a valid model got {files} generated files",
                    Expectation.Valid when hasUserErrors => "a valid model does not compile: " + string.Join("; ", userErrors[c.Index].Take(3)),
                    Expectation.Invalid when c.Expected.Overlaps(ShapeErrors) && files != 0 => "a class that cannot take members got generated code",
                    Expectation.Invalid when !c.Expected.Overlaps(ShapeErrors) && files != 1 => $"an invalid model got {files} generated files, not its members with bodies that throw",
                    Expectation.Invalid when hasUserErrors => "an invalid model left compiler errors besides its RNNG ones: " + string.Join("; ", userErrors[c.Index].Take(3)),
                    Expectation.Inactive when files != 0 => "a model behind #if got generated",
                    _ => "",
                };
                valid += c.Expectation == Expectation.Valid ? 1 : 0;
                if (problem.Length > 0)
                {
                    failures.Add($"case {c.Index} ({c.Description}): {problem}\n{string.Join("\n---\n", c.Sources)}");
                }
            }
        }

        string summary = $"generator fuzz: {CaseCount} cases tried (seed {Seed}), {valid} valid and compiled, {generated} files generated, " +
            $"{compilerErrors} rejected by the compiler itself, diagnostics seen: {string.Join(", ", seen.Select(p => $"{p.Key} x{p.Value}"))}; crashes: {failures.Count(f => f.Contains("crashed", StringComparison.Ordinal))}, failures: {failures.Count}";
        _output.WriteLine(summary);
        FuzzSummary.Write("generator", summary);
        Assert.True(failures.Count == 0, $"{failures.Count} failing cases; first ones:\n" + string.Join("\n\n", failures.Take(12)));
        // The mutations must actually have been exercised, or the fuzz proves nothing.
        foreach (string id in new[] { "RNNG001", "RNNG002", "RNNG003", "RNNG004", "RNNG005", "RNNG006", "RNNG007", "RNNG008", "RNNG009", "RNNG010", "RNNG011", "RNNG012", "RNNG013", "RNNG015", "RNNG017", "RNNG018", "RNNG019", "RNNG020", "RNNG021", "RNNG022" })
        {
            Assert.True(seen.ContainsKey(id), $"no case produced {id}");
        }

        Assert.True(valid > CaseCount / 10, $"only {valid} valid cases");
    }

    /// <summary>Errors in the class's declaration itself: its members cannot be generated, so nothing is.</summary>
    private static readonly string[] ShapeErrors = { "RNNG001", "RNNG002", "RNNG003", "RNNG004", "RNNG005", "RNNG006", "RNNG016", "RNNG022" };

    private static int CaseOfHint(string hint)
    {
        // Every case's types live in namespace Fuzz.C{n} or are named G{n}/Outer{n}: the hint starts with it.
        string digits = new(hint.SkipWhile(c => !char.IsDigit(c)).TakeWhile(char.IsDigit).ToArray());
        return int.Parse(digits, CultureInfo.InvariantCulture);
    }

    private enum Expectation
    {
        Valid,
        Invalid,
        CompilerError,
        Inactive,
    }

    /// <summary>One random declaration, its files, and what the rules say must happen to it.</summary>
    private sealed class FuzzCase
    {
        private readonly Random _r;
        private readonly List<string> _notes = new();

        private FuzzCase(int index, Random random)
        {
            Index = index;
            _r = random;
        }

        public int Index { get; }

        public List<string> Sources { get; } = new();

        public HashSet<string> Expected { get; } = new(StringComparer.Ordinal);

        public Expectation Expectation { get; private set; }

        public string Description => string.Join("; ", _notes);

        private bool Chance(double p) => _r.NextDouble() < p;

        private T Pick<T>(params T[] items) => items[_r.Next(items.Length)];

        public static FuzzCase Create(int index, Random random)
        {
            var c = new FuzzCase(index, random);
            c.Build();
            return c;
        }

        private void Build()
        {
            // ---- The options: a valid random network first, then at most one option mutation. ----
            var args = new List<(string Name, string Value)>();
            bool token = Chance(0.6);
            string cell = Pick("Vanilla", "Lstm", "Gru");
            int hidden = Pick(1, 2, 3, 5, 8, 13, 16, 17, 32);
            int layers = Chance(0.25) ? _r.Next(2, 4) : 1;
            bool bidirectional = Chance(0.15);
            int output = _r.Next(1, 12);
            args.Add(("Hidden", I(hidden)));
            if (token)
            {
                args.Add(("Vocab", I(_r.Next(1, 40))));
                if (Chance(0.5))
                {
                    args.Add(("Output", I(output)));
                }
            }
            else
            {
                args.Add(("Input", I(_r.Next(1, 9))));
                args.Add(("Output", I(output)));
            }

            if (cell != "Vanilla" || Chance(0.3))
            {
                args.Add(("Cell", "CellType." + cell));
            }

            if (cell == "Vanilla" && Chance(0.2))
            {
                args.Add(("Activation", Pick("Activation.Tanh", "Activation.Relu")));
            }

            if (Chance(0.3))
            {
                args.Add(("Loss", Pick("Loss.CrossEntropy", "Loss.SquaredError")));
            }

            if (!bidirectional && Chance(0.3))
            {
                args.Add(("Truncate", I(_r.Next(0, 6))));
            }

            if (Chance(0.3))
            {
                args.Add(("MaxSteps", I(_r.Next(1, 40))));
            }

            if (Chance(0.2))
            {
                args.Add(("Outputs", Pick("Outputs.EveryStep", "Outputs.LastStep")));
            }

            if (cell == "Vanilla" && layers == 1 && !bidirectional && Chance(0.15))
            {
                args.Add(("Recurrence", "Recurrence.Output"));
            }

            if (Chance(0.3))
            {
                args.Add(("Precision", Pick("Precision.Single", "Precision.Double")));
            }

            if (layers > 1 || Chance(0.1))
            {
                args.Add(("Layers", I(layers)));
            }

            if (bidirectional)
            {
                args.Add(("Bidirectional", "true"));
            }

            if (layers > 1 && Chance(0.3))
            {
                args.Add(("Dropout", Pick("0.1", "0.5", "0.0")));
            }

            if (cell == "Lstm" && hidden > 1 && Chance(0.3))
            {
                args.Add(("Projection", I(_r.Next(1, hidden))));
            }

            // Options added later draw from a source of their own, so that every other draw, and with it every case the
            // suite has judged so far, stays as it was.
            var later = new Random(Index * 7919 + 17);
            if (token && later.NextDouble() < 0.15)
            {
                args.Add(("Embedding", I(later.Next(1, 9))));
            }

            if (!bidirectional && later.NextDouble() < 0.1)
            {
                string[] prefixes = ["\"m\"", "\"model_1\"", "\"_x\"", "null", "\"\""];
                args.Add(("NativeExports", prefixes[later.Next(prefixes.Length)]));
            }

            if (later.NextDouble() < 0.2)
            {
                args.Add(("Batch", I(later.Next(2, 40)))); // a batched Step on a unidirectional model, nothing new on a bidirectional one
            }

            bool compilerError = false;
            string optionMutation = Chance(0.75) ? Pick(
                "hidden-missing", "hidden-range", "no-input", "both-inputs", "width-range", "output-missing", "truncate-negative",
                "enum", "maxsteps-range", "layers-range", "dropout-range", "dropout-one-layer", "projection-range", "combination",
                "too-large", "wrong-type", "constructor-argument", "unknown-argument", "overflow", "duplicate-attribute") : "none";
            _notes.Add("options: " + optionMutation);
            void Set(string name, string value)
            {
                args.RemoveAll(a => a.Name == name);
                args.Add((name, value));
            }

            string Extreme(int min, int max) => I(Pick(0, -1, int.MinValue, int.MaxValue, min - 1, max + 1, -max));
            switch (optionMutation)
            {
                case "hidden-missing":
                    args.RemoveAll(a => a.Name is "Hidden" or "Projection");
                    Expect("RNNG007");
                    break;
                case "hidden-range":
                    args.RemoveAll(a => a.Name == "Projection");
                    Set("Hidden", Pick("0", "-1", "4097", "int.MaxValue", "int.MinValue", "-4096"));
                    Expect("RNNG008");
                    break;
                case "no-input":
                    args.RemoveAll(a => a.Name is "Vocab" or "Input");
                    Set("Output", "3");
                    Expect("RNNG009");
                    break;
                case "both-inputs":
                    Set("Vocab", "7");
                    Set("Input", "3");
                    Set("Output", "2");
                    Expect("RNNG010");
                    break;
                case "width-range":
                    Set(Pick("Output", token ? "Vocab" : "Input"), Extreme(1, 1 << 24));
                    Expect("RNNG008");
                    break;
                case "output-missing":
                    args.RemoveAll(a => a.Name is "Vocab" or "Output" or "Embedding");
                    Set("Input", "4");
                    Expect("RNNG011");
                    break;
                case "truncate-negative":
                    args.RemoveAll(a => a.Name == "Bidirectional");
                    Set("Truncate", Pick("-1", "int.MinValue", "-100"));
                    Expect("RNNG012");
                    break;
                case "enum":
                    (string name, string type) = Pick(("Cell", "CellType"), ("Loss", "Loss"), ("Outputs", "Outputs"), ("Precision", "Precision"), ("Recurrence", "Recurrence"));
                    args.RemoveAll(a => a.Name is "Activation" or "Recurrence" or "Projection");
                    if (name == "Cell")
                    {
                        args.RemoveAll(a => a.Name == "Projection");
                    }

                    Set(name, $"({type})({Pick("3", "-1", "7", "int.MaxValue", "int.MinValue", "2")})".Replace("(CellType)(2)", "(CellType)(4)", StringComparison.Ordinal));
                    Expect("RNNG013");
                    break;
                case "maxsteps-range":
                    Set("MaxSteps", Extreme(1, 1_000_000));
                    Expect("RNNG008");
                    break;
                case "layers-range":
                    args.RemoveAll(a => a.Name is "Dropout" or "Recurrence");
                    Set("Layers", Pick("0", "-1", "9", "int.MaxValue", "int.MinValue"));
                    Expect("RNNG008");
                    break;
                case "dropout-range":
                    Set("Dropout", Pick("1.0", "-0.1", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "1e308", "-double.Epsilon"));
                    Expect("RNNG017");
                    break;
                case "dropout-one-layer":
                    args.RemoveAll(a => a.Name == "Layers");
                    Set("Dropout", "0.25");
                    Expect("RNNG019"); // a warning: the model is still generated
                    break;
                case "projection-range":
                    Set("Cell", "CellType.Lstm");
                    args.RemoveAll(a => a.Name is "Activation" or "Recurrence");
                    Set("Projection", Pick("-1", I(hidden), I(hidden + 1), "int.MaxValue", "int.MinValue"));
                    Expect("RNNG008");
                    break;
                case "combination":
                    switch (_r.Next(5))
                    {
                        case 0:
                            args.RemoveAll(a => a.Name is "Projection" or "Recurrence");
                            Set("Cell", Pick("CellType.Lstm", "CellType.Gru"));
                            Set("Activation", Pick("Activation.Tanh", "Activation.Relu"));
                            break;
                        case 1:
                            args.RemoveAll(a => a.Name is "Projection" or "Activation" or "Bidirectional" or "Layers" or "Dropout");
                            Set("Cell", Pick("CellType.Lstm", "CellType.Gru"));
                            Set("Recurrence", "Recurrence.Output");
                            break;
                        case 2:
                            args.RemoveAll(a => a.Name is "Cell" or "Activation" or "Recurrence");
                            Set("Projection", "1");
                            Set("Hidden", "4");
                            break;
                        case 3:
                            args.RemoveAll(a => a.Name is "Recurrence");
                            Set("Bidirectional", "true");
                            Set("Truncate", I(_r.Next(1, 9)));
                            break;
                        default:
                            args.RemoveAll(a => a.Name is "Cell" or "Projection" or "Bidirectional" or "Dropout");
                            Set("Layers", "2");
                            Set("Recurrence", "Recurrence.Output");
                            break;
                    }

                    Expect("RNNG018");
                    break;
                case "too-large":
                    // Huge products of sizes: each one in range, the whole beyond what an array can hold.
                    args.Clear();
                    args.AddRange(Pick<(string, string)[]>(
                        new[] { ("Hidden", "4096"), ("Vocab", "16777216") },
                        new[] { ("Hidden", "4096"), ("Input", "16777216"), ("Output", "16777216"), ("Cell", "CellType.Lstm"), ("Layers", "8"), ("Bidirectional", "true") },
                        new[] { ("Hidden", "1"), ("Vocab", "16777216"), ("MaxSteps", "1000000") },
                        new[] { ("Hidden", "2000"), ("Vocab", "300000"), ("Cell", "CellType.Lstm") }));
                    Expect("RNNG015");
                    break;
                case "wrong-type":
                    Set(Pick("Hidden", "Vocab", "MaxSteps", "Cell", "Dropout", "Bidirectional"), Pick("\"4\"", "null", "typeof(int)", "new[] { 1 }"));
                    compilerError = true;
                    break;
                case "constructor-argument":
                    args.Insert(0, ("", Pick("4", "\"Hidden\"", "Hidden: 4")));
                    compilerError = true;
                    break;
                case "unknown-argument":
                    Set(Pick("Hiden", "Size", "Cells", "hidden"), "4");
                    compilerError = true;
                    break;
                case "overflow":
                    Set(Pick("Hidden", "Vocab", "MaxSteps"), Pick("int.MaxValue + 1", "2147483648", "4096 * 4096 * 4096", "-int.MinValue"));
                    compilerError = true;
                    break;
                case "duplicate-attribute":
                    compilerError = true;
                    break;
            }

            // RNNG015 is judged only once nothing else is wrong, so it does not count as an option error here.
            bool optionError = Expected.Any(id => id is not "RNNG019" and not "RNNG015");

            // ---- The declaration. ----
            string kind = Chance(0.85) ? "class" : Pick("struct", "record", "record struct", "interface", "readonly struct", "record class", "ref struct");
            bool partial = Chance(0.93);
            string modifier = kind == "class" && Chance(0.25) ? Pick("static", "abstract", "sealed", "unsafe", "new", "file") : "";
            bool generic = Chance(0.05);
            string container = Chance(0.25) ? Pick("partial class", "partial struct", "partial record", "class", "partial class<T>", "file partial class", "static partial class", "partial interface") : "";
            string ns = Pick("global", "block", "file-scoped");
            string className = $"M{Index}";
            _notes.Add($"{modifier} {(partial ? "partial " : "")}{kind}{(generic ? "<T>" : "")} in {(container == "" ? "-" : container)}, {ns} namespace");

            // Shape errors the rules imply. [RnnModel] is class-only, so the compiler also rejects it on a struct or interface (CS0592).
            if (kind != "class")
            {
                Expect("RNNG002");
                compilerError |= kind is not ("record" or "record class");
            }

            if (!partial)
            {
                Expect("RNNG001");
            }

            if (modifier == "static")
            {
                Expect("RNNG003");
            }

            if (generic)
            {
                Expect("RNNG004");
            }

            if (modifier == "new" && container == "")
            {
                modifier = ""; // 'new' only applies to nested types
            }

            if (modifier == "file")
            {
                if (container != "")
                {
                    compilerError = true; // file-local types must be top-level (CS9054)
                }

                Expect("RNNG022");
            }

            switch (container)
            {
                case "class":
                    Expect("RNNG006");
                    break;
                case "partial class<T>":
                    Expect("RNNG005");
                    break;
                case "file partial class":
                    Expect("RNNG022");
                    break;
            }

            // NativeExports needs a model the assembly can reach; nested in a class, struct or record it is private (RNNG025,
            // tested in DiagnosticTests), so the fuzz gives it only to top-level models and those in an interface.
            if (container is not ("" or "partial interface"))
            {
                args.RemoveAll(a => a.Name == "NativeExports");
            }

            // Names are checked once the options are valid and readable.
            bool namesChecked = !optionError && !compilerError;
            if (Chance(0.04))
            {
                className = Pick("Hidden", "Forward", "Predict", "Parameters", "LoadWeights", "Output", "ZeroGradients");
                ns = ns == "global" ? "block" : ns;
                if (namesChecked)
                {
                    Expect("RNNG021");
                }
            }

            // A class may get one member, which either clashes with a generated one or is a legal neighbour of one.
            string? member = null;
            if (kind == "class" && modifier != "static" && className.StartsWith('M') && Chance(0.3))
            {
                (member, bool clash) = Member(token, args);
                if (clash && namesChecked)
                {
                    Expect("RNNG020");
                }
            }

            if (Expected.Contains("RNNG015") && Expected.Count > 1)
            {
                Expected.Remove("RNNG015"); // the size is judged only for an otherwise valid declaration
            }

            // ---- Text around the attribute. ----
            string attributeList = "[RnnModel(" + string.Join(", ", args.Select(a => a.Name == "" ? a.Value : $"{a.Name} = {a.Value}")) + ")]";
            if (optionMutation == "duplicate-attribute")
            {
                attributeList = attributeList + "\n" + attributeList; // CS0579
            }

            string wrapping = Chance(0.15) ? Pick("syntax-unclosed", "syntax-garbage", "if-inactive", "if-else", "if-active", "attribute-target", "split-partial", "split-attribute-second", "split-non-partial") : "none";
            if ((modifier == "file" || container.StartsWith("file", StringComparison.Ordinal)) && wrapping.StartsWith("split", StringComparison.Ordinal))
            {
                wrapping = "none"; // a file-local type in two files is two types
            }

            _notes.Add("wrapping: " + wrapping);
            bool syntaxError = false;
            switch (wrapping)
            {
                case "syntax-unclosed":
                    attributeList = attributeList.Substring(0, attributeList.Length - _r.Next(1, 3));
                    syntaxError = true;
                    break;
                case "syntax-garbage":
                    attributeList = attributeList.Insert(_r.Next(1, attributeList.Length), Pick(",", "=", "((", "#", ";", "]"));
                    syntaxError = true;
                    break;
                case "if-inactive":
                    attributeList = "#if NOT_DEFINED\n" + attributeList + "\n#endif";
                    break;
                case "if-else":
                    attributeList = "#if NOT_DEFINED\n[RnnModel(Hidden = -5, Bogus = 1)]\n#else\n" + attributeList + "\n#endif";
                    break;
                case "if-active":
                    attributeList = "#if !NOT_DEFINED\n" + attributeList + "\n#endif";
                    break;
                case "attribute-target":
                    attributeList = "[type: " + attributeList.Substring(1);
                    break;
            }

            compilerError |= syntaxError;
            string prefix = kind switch { "readonly struct" => "readonly ", "ref struct" => "ref ", _ => "" };
            string core = kind switch { "readonly struct" or "ref struct" => "struct", _ => kind };
            string Keyword(bool isPartial) => (modifier == "" ? "" : modifier + " ") + prefix + (isPartial ? "partial " : "") + core;
            string typeParameters = generic ? "<T>" : "";
            string body = kind.StartsWith("record", StringComparison.Ordinal) && member is null && Chance(0.5) ? ";" : "{\n" + (member ?? "") + "\n}";

            bool split = wrapping.StartsWith("split", StringComparison.Ordinal);
            string first = wrapping == "split-attribute-second"
                ? $"{Keyword(partial)} {className}{typeParameters} {body}"
                : $"{attributeList}\n{Keyword(partial)} {className}{typeParameters} {body}";
            Sources.Add(Frame(ns, container, first, firstFile: true));
            if (split)
            {
                string second = wrapping switch
                {
                    "split-attribute-second" => $"{attributeList}\n{Keyword(partial)} {className}{typeParameters} {{ }}",
                    "split-non-partial" => $"{Keyword(false)} {className}{typeParameters} {{ }}",
                    _ => $"{Keyword(partial)} {className}{typeParameters} {{ internal static int Extra() => 1; }}",
                };
                Sources.Add(Frame(ns, container, second, firstFile: false));
                // Two declarations of one type need 'partial' on both, and on a container they share (CS0260/CS0101).
                compilerError |= !partial || wrapping == "split-non-partial" || container == "class";
            }

            if (wrapping == "if-inactive")
            {
                // Without its attribute the declaration is ordinary C#, judged only by "nothing generated, nothing reported".
                Expected.Clear();
                Expectation = Expectation.Inactive;
                return;
            }

            _syntaxError = syntaxError;
            Expectation = compilerError ? Expectation.CompilerError
                : Expected.Any(id => id is not "RNNG019") ? Expectation.Invalid
                : Expectation.Valid;
        }

        private bool _syntaxError;

        /// <summary>A syntax error may damage the declaration itself, so only "no crash, nothing generated broken" is judged.</summary>
        public bool SyntaxError => _syntaxError;

        /// <summary>A user member that clashes with a generated one (true), or a legal neighbour of one (false).</summary>
        private (string Member, bool Clash) Member(bool token, List<(string Name, string Value)> args)
        {
            string t = args.Contains(("Precision", "Precision.Double")) ? "double" : "float";
            string x = args.Any(a => a.Name == "Vocab") ? "int" : t;
            string y = args.Contains(("Loss", "Loss.SquaredError")) ? t : "int";
            if (Chance(0.55))
            {
                return (Pick(
                    "public int Hidden;",
                    "public const int Output = 3;",
                    "public static int MaxSteps() => 1;",
                    "private float[] _parameters = null!;",
                    "public object Parameters => null!;",
                    "public class Gradients { }",
                    $"public M{Index}() {{ }}",
                    "public void Initialize(int seed) { }",
                    "public void ZeroGradients() { }",
                    $"public {t} Forward(System.ReadOnlySpan<{x}> inputs, System.ReadOnlySpan<{y}> targets) => 0;",
                    $"public {t} Backward(ReadOnlySpan<{x}> a, ReadOnlySpan<{y}> b) => 0;",
                    $"public {t} SgdStep(System.ReadOnlySpan<{x}> a, System.ReadOnlySpan<{y}> b, {t} rate) => 0;",
                    "public void LoadWeights(System.IO.Stream s) { }",
                    "public void SaveWeights(System.IO.Stream s) { }",
                    "public int ParameterCount { get; set; }",
                    "public event System.Action? Truncate;",
                    "public int Layers(int x) => x;",
                    token ? "public const int Vocab = 2;" : "public const int Input = 2;"), true);
            }

            return (Pick(
                "public void Forward(string text) { }",
                "public int Helper() => 1;",
                "public static int Backward(int a) => a;",
                $"public M{Index}(int seed) {{ }}",
                "public void LoadWeights(string path) { }",
                "public void ZeroGradients<T>() { }",
                $"public {t} SgdStep(System.ReadOnlySpan<{x}> a, System.ReadOnlySpan<{y}> b, {t} rate, int extra) => 0;",
                token ? "public int Input;" : "public int Vocab;",
                "private int _hidden;",
                $"static M{Index}() {{ }}"), false);
        }

        private string Frame(string ns, string container, string declaration, bool firstFile)
        {
            string inner = declaration;
            if (container != "")
            {
                string keyword = container.Replace("<T>", "", StringComparison.Ordinal);
                string typeParameters = container.EndsWith("<T>", StringComparison.Ordinal) ? "<T>" : "";
                inner = $"{keyword} Outer{Index}{typeParameters}\n{{\n{inner}\n}}";
            }

            var text = new StringBuilder("using RnnGen;\nusing System;\n");
            switch (ns)
            {
                case "global":
                    text.Append(inner.Replace($"M{Index}", $"G{Index}", StringComparison.Ordinal));
                    break;
                case "block":
                    text.Append($"namespace Fuzz.C{Index}\n{{\n{inner}\n}}");
                    break;
                default:
                    text.Append($"namespace Fuzz.C{Index};\n{inner}");
                    break;
            }

            return text.ToString();
        }

        private void Expect(string id) => Expected.Add(id);

        private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
