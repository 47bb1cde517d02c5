using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>Turns an <c>[RnnModel]</c> declaration into a <see cref="ModelSpec"/> and diagnostics.</summary>
internal static class ModelParser
{
    public const string AttributeMetadataName = "RnnGen.RnnModelAttribute";

    // Limits. Hidden's comes from the specification; the others keep emitted constants and
    // products of sizes well inside int arithmetic, and the layout check catches the rest.
    public const int MaxHidden = 4096;
    public const int MaxWidth = 1 << 24;
    public const int MaxMaxSteps = 1_000_000;
    public const int MaxLayers = 8;
    public const int MaxBatch = 65536;

    public static bool IsCandidate(SyntaxNode node) => node is TypeDeclarationSyntax;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var type = (INamedTypeSymbol)context.TargetSymbol;
        AttributeData attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

        var parser = new Parser(syntax, type, attribute, attributeSyntax, cancellationToken);
        ModelSpec? model = parser.Run();
        return new ParseResult(model, parser.Surface, new EquatableArray<ReportedDiagnostic>(parser.Diagnostics.Select(d => new ReportedDiagnostic(d)).ToArray()));
    }

    /// <summary>One parse: collects every problem rather than stopping at the first.</summary>
    private sealed class Parser
    {
        private readonly TypeDeclarationSyntax _syntax;
        private readonly INamedTypeSymbol _type;
        private readonly AttributeData _attribute;
        private readonly AttributeSyntax? _attributeSyntax;
        private readonly Dictionary<string, TypedConstant> _arguments = new();
        private readonly CancellationToken _cancellationToken;
        private bool _compilerError;

        public Parser(TypeDeclarationSyntax syntax, INamedTypeSymbol type, AttributeData attribute, AttributeSyntax? attributeSyntax, CancellationToken cancellationToken)
        {
            _cancellationToken = cancellationToken;
            _syntax = syntax;
            _type = type;
            _attribute = attribute;
            _attributeSyntax = attributeSyntax;
        }

        public List<Diagnostic> Diagnostics { get; } = new();

        /// <summary>After <see cref="Run"/>: what to generate in place of a model that is not valid, when its class can take members.</summary>
        public ModelSurface? Surface { get; private set; }

        private Location NameLocation => _syntax.Identifier.GetLocation();

        private Location AttributeLocation => _attributeSyntax?.GetLocation() ?? NameLocation;

        public ModelSpec? Run()
        {
            bool shapeOk = CheckDeclaration(out EquatableArray<ContainingTypeSpec> containers);

            foreach (KeyValuePair<string, TypedConstant> pair in _attribute.NamedArguments)
            {
                if (pair.Key == "NativeExports" && pair.Value.Kind == TypedConstantKind.Primitive && pair.Value.Value is null)
                {
                    continue; // NativeExports = null: none, as when it is not given
                }

                if (pair.Value.Kind == TypedConstantKind.Error || pair.Value.Value is null && pair.Value.Kind != TypedConstantKind.Array)
                {
                    _compilerError = true; // the compiler reports it; generate nothing
                }

                _arguments[pair.Key] = pair.Value;
            }

            if (_attribute.AttributeConstructor is null || _attribute.ConstructorArguments.Length > 0)
            {
                _compilerError = true;
            }

            if (_attributeSyntax is not null && _attributeSyntax.ContainsDiagnostics)
            {
                // A syntax error inside the attribute can drop arguments the user did write; judging the rest
                // would report e.g. "Vocab missing" beside the compiler's own error. Wait for valid syntax.
                _compilerError = true;
            }

            int errorsBefore = ErrorCount();
            ModelSpec? spec = ReadOptions(containers);
            if (spec is not null && !_compilerError && ErrorCount() == errorsBefore)
            {
                // Which members are generated depends on the options, so names are checked once they are valid.
                CheckNames(spec);
            }

            if (!shapeOk || _compilerError || spec is null || HasErrors())
            {
                Surface = shapeOk ? ReadSurface(containers) : null;
                return null;
            }

            CheckSize(spec);
            if (HasErrors())
            {
                Surface = ReadSurface(containers);
                return null;
            }

            return spec;
        }

        /// <summary>
        /// The public members the declaration asks for, to generate with bodies that throw. Only for a class that can
        /// take generated members: not for the shape errors (a struct, a class that is not partial, static, generic or
        /// file-local, or in such a container, or C# below 12), where the generated code would itself not compile.
        /// </summary>
        private ModelSurface ReadSurface(EquatableArray<ContainingTypeSpec> containers)
        {
            ModelSpec spec = ReadFallbackOptions(containers);
            var omitted = new SortedSet<string>(StringComparer.Ordinal);
            foreach ((_, string generated, _) in FindClashes(spec))
            {
                omitted.Add(generated);
            }

            // The first error explains the missing model (none: the compiler's own error in the attribute does).
            Diagnostic? error = Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            return new ModelSurface(spec, error?.Id, error?.GetMessage(System.Globalization.CultureInfo.InvariantCulture), new EquatableArray<string>(omitted.ToArray()));
        }

        /// <summary>
        /// The options as far as they can be read, every missing or invalid one replaced by a valid fallback (its
        /// default, or the smallest size), so the surface follows what the declaration does say: token or dense input
        /// (both, when both are given), the loss, the precision, the cell, layers, direction, projection and dropout.
        /// </summary>
        private ModelSpec ReadFallbackOptions(EquatableArray<ContainingTypeSpec> containers)
        {
            static int Valid(int value, int min, int max, int fallback) => value >= min && value <= max ? value : fallback;
            int Known(string name, int count) => _arguments.TryGetValue(name, out TypedConstant c) && c.Value is int v && v >= 0 && v < count ? v : 0;

            bool hasVocab = _arguments.TryGetValue("Vocab", out TypedConstant vc) && vc.Value is int;
            bool hasInput = _arguments.TryGetValue("Input", out TypedConstant ic) && ic.Value is int;
            hasVocab |= !hasInput; // neither: a token model, SPEC's first example
            int hidden = Valid(Int("Hidden", 1), 1, MaxHidden, 1);
            int vocab = hasVocab ? Valid(Int("Vocab", 1), 1, MaxWidth, 1) : 0;
            int input = hasInput ? Valid(Int("Input", 1), 1, MaxWidth, 1) : 0;
            int output = Valid(Int("Output", 0), 1, MaxWidth, hasVocab ? vocab : 1);
            var cell = (CellKind)Known("Cell", 3);
            var recurrence = (RecurrenceKind)Known("Recurrence", 2);
            int layers = Valid(Int("Layers", 1), 1, MaxLayers, 1);
            bool bidirectional = _arguments.TryGetValue("Bidirectional", out TypedConstant b) && b.Value is true;
            // A dropout given out of range still asks for dropout's members (DropoutRandom), so keep one.
            double dropout = !_arguments.TryGetValue("Dropout", out TypedConstant d) || d.Value is not double dv ? 0 : dv >= 0 && dv < 1 ? dv : 0.5;
            int projection = cell == CellKind.Lstm ? Valid(Int("Projection", 0), 0, hidden - 1, 0) : 0;
            if (recurrence == RecurrenceKind.Output && (cell != CellKind.Vanilla || layers > 1 || bidirectional))
            {
                recurrence = RecurrenceKind.Hidden; // the combination is one of the errors; keep the structure every cell has
            }

            var typeSpec = new TypeSpec(
                _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                _type.Name,
                containers);
            int embedding = vocab > 0 ? Valid(Int("Embedding", 0), 0, MaxWidth, 0) : 0;
            return new ModelSpec(typeSpec, hidden, vocab, input, output, cell, (ActivationKind)Known("Activation", 2), (LossKind)Known("Loss", 2),
                Math.Max(0, Int("Truncate", 0)), Valid(Int("MaxSteps", 128), 1, MaxMaxSteps, 128), (OutputsKind)Known("Outputs", 2), recurrence,
                (PrecisionKind)Known("Precision", 2), layers, bidirectional, dropout, projection, embedding, Batch: Valid(Int("Batch", 1), 1, MaxBatch, 1));
        }

        private bool HasErrors() => ErrorCount() > 0;

        private int ErrorCount()
        {
            int count = 0;
            foreach (Diagnostic d in Diagnostics)
            {
                count += d.Severity == DiagnosticSeverity.Error ? 1 : 0;
            }

            return count;
        }

        private void Report(DiagnosticDescriptor descriptor, Location location, params object?[] args) =>
            Diagnostics.Add(Diagnostic.Create(descriptor, location, args));

        private bool CheckDeclaration(out EquatableArray<ContainingTypeSpec> containers)
        {
            int before = Diagnostics.Count;
            string name = _type.Name;

            string? kind = _syntax switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => null,
            };
            if (kind is not null)
            {
                Report(DiagnosticDescriptors.NotAClass, NameLocation, name, kind);
            }

            if (!_syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.NotPartial, NameLocation, name);
            }

            if (_type.IsStatic)
            {
                Report(DiagnosticDescriptors.StaticClass, NameLocation, name);
            }

            if (_syntax.TypeParameterList is not null)
            {
                Report(DiagnosticDescriptors.GenericClass, NameLocation, name);
            }

            if (_syntax.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                Report(DiagnosticDescriptors.FileLocal, NameLocation, name, "declared 'file'");
            }

            var list = new List<ContainingTypeSpec>();
            for (SyntaxNode? node = _syntax.Parent; node is not null; node = node.Parent)
            {
                if (node is not TypeDeclarationSyntax container)
                {
                    continue;
                }

                string containerName = container.Identifier.ValueText;
                if (container.TypeParameterList is not null)
                {
                    Report(DiagnosticDescriptors.GenericContainer, NameLocation, name, containerName);
                }

                if (!container.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Report(DiagnosticDescriptors.ContainerNotPartial, NameLocation, name, containerName);
                }

                if (container.Modifiers.Any(SyntaxKind.FileKeyword))
                {
                    Report(DiagnosticDescriptors.FileLocal, NameLocation, name, $"nested in the file-local type '{containerName}'");
                }

                string keyword = container switch
                {
                    RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                    StructDeclarationSyntax => "struct",
                    InterfaceDeclarationSyntax => "interface",
                    _ => "class",
                };
                list.Insert(0, new ContainingTypeSpec(keyword, containerName));
            }

            containers = new EquatableArray<ContainingTypeSpec>(list.ToArray());

            if (_syntax.SyntaxTree.Options is CSharpParseOptions options && options.LanguageVersion < LanguageVersion.CSharp12)
            {
                Report(DiagnosticDescriptors.LanguageVersionTooLow, AttributeLocation, options.LanguageVersion.ToDisplayString());
            }

            return Diagnostics.Count == before;
        }

        private ModelSpec? ReadOptions(EquatableArray<ContainingTypeSpec> containers)
        {
            int hidden = Int("Hidden", 0);
            bool hasVocab = _arguments.ContainsKey("Vocab"), hasInput = _arguments.ContainsKey("Input");
            int vocab = Int("Vocab", 0), input = Int("Input", 0), output = Int("Output", 0);
            int truncate = Int("Truncate", 0), maxSteps = Int("MaxSteps", 128);
            int layers = Int("Layers", 1), projection = Int("Projection", 0), batch = Int("Batch", 1);
            bool bidirectional = _arguments.TryGetValue("Bidirectional", out TypedConstant b) && b.Value is true;
            double dropout = _arguments.TryGetValue("Dropout", out TypedConstant d) && d.Value is double dv ? dv : 0;

            var cell = (CellKind)Enum("Cell", "CellType", 3, "CellType.Vanilla, CellType.Lstm, CellType.Gru");
            var activation = (ActivationKind)Enum("Activation", "Activation", 2, "Activation.Tanh, Activation.Relu");
            var loss = (LossKind)Enum("Loss", "Loss", 2, "Loss.CrossEntropy, Loss.SquaredError");
            var outputs = (OutputsKind)Enum("Outputs", "Outputs", 2, "Outputs.EveryStep, Outputs.LastStep");
            var recurrence = (RecurrenceKind)Enum("Recurrence", "Recurrence", 2, "Recurrence.Hidden, Recurrence.Output");
            var precision = (PrecisionKind)Enum("Precision", "Precision", 2, "Precision.Single, Precision.Double");
            if (_compilerError)
            {
                return null;
            }

            if (!_arguments.ContainsKey("Hidden"))
            {
                Report(DiagnosticDescriptors.HiddenMissing, AttributeLocation);
            }
            else
            {
                Range("Hidden", hidden, 1, MaxHidden);
            }

            if (!hasVocab && !hasInput)
            {
                Report(DiagnosticDescriptors.NoInput, AttributeLocation);
            }
            else if (hasVocab && hasInput)
            {
                Report(DiagnosticDescriptors.BothInputs, ArgumentLocation("Input"));
            }

            if (hasVocab)
            {
                Range("Vocab", vocab, 1, MaxWidth);
            }

            if (hasInput)
            {
                Range("Input", input, 1, MaxWidth);
            }

            if (_arguments.ContainsKey("Output"))
            {
                Range("Output", output, 1, MaxWidth);
            }
            else if (hasVocab && !hasInput)
            {
                output = vocab;
            }
            else if (hasInput)
            {
                Report(DiagnosticDescriptors.OutputMissing, AttributeLocation);
            }

            if (truncate < 0)
            {
                Report(DiagnosticDescriptors.TruncateNegative, ArgumentLocation("Truncate"), truncate);
            }

            Range("MaxSteps", maxSteps, 1, MaxMaxSteps);
            Range("Layers", layers, 1, MaxLayers);
            Range("Batch", batch, 1, MaxBatch);
            if (projection < 0 || (projection > 0 && hidden > 0 && projection >= hidden))
            {
                // PyTorch requires proj_size < hidden_size.
                Range("Projection", projection, 0, Math.Max(0, hidden - 1));
            }

            if (!(dropout >= 0 && dropout < 1))
            {
                Report(DiagnosticDescriptors.DropoutOutOfRange, ArgumentLocation("Dropout"), dropout);
            }

            CheckApplicability(cell, recurrence, projection, dropout, layers);
            int embedding = ReadEmbedding(hasVocab, hasInput, input);
            string? native = ReadNativeExports(bidirectional);


            var typeSpec = new TypeSpec(
                _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                _type.Name,
                containers);
            return new ModelSpec(typeSpec, hidden, hasVocab ? vocab : 0, hasInput ? input : 0, output, cell, activation, loss,
                truncate, maxSteps, outputs, recurrence, precision, layers, bidirectional, dropout, projection, Math.Max(embedding, 0), native, batch);
        }

        /// <summary>Embedding: a width for token models' embedding layer; 0 for none.</summary>
        private int ReadEmbedding(bool hasVocab, bool hasInput, int input)
        {
            int embedding = Int("Embedding", 0);
            if (_arguments.ContainsKey("Embedding"))
            {
                Range("Embedding", embedding, 0, MaxWidth);
                if (hasInput && !hasVocab)
                {
                    Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Embedding"), "Embedding", "token models (Vocab)", $"reads dense input (Input = {input})");
                }
            }

            return hasVocab ? embedding : 0;
        }

        /// <summary>NativeExports: a C identifier that prefixes the entry points, on a streaming model the assembly can create; null for none.</summary>
        private string? ReadNativeExports(bool bidirectional)
        {
            if (!_arguments.TryGetValue("NativeExports", out TypedConstant c) || c.Value is not string prefix || prefix.Length == 0)
            {
                return null;
            }

            bool identifier = !char.IsDigit(prefix[0]);
            var suggestion = new System.Text.StringBuilder();
            foreach (char ch in prefix)
            {
                bool ok = ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
                identifier &= ok;
                suggestion.Append(ok ? ch : '_');
            }

            if (!identifier)
            {
                string fixedName = suggestion.Length > 0 && char.IsDigit(suggestion[0]) ? "_" + suggestion : suggestion.ToString();
                Report(DiagnosticDescriptors.InvalidNativePrefix, ArgumentLocation("NativeExports"), prefix, fixedName);
            }

            if (bidirectional)
            {
                Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("NativeExports"), "NativeExports",
                    "streaming models (a step of a bidirectional model needs the whole sequence)", "is Bidirectional");
            }

            for (INamedTypeSymbol? type = _type; type is not null; type = type.ContainingType)
            {
                if (type.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                {
                    string what = SymbolEqualityComparer.Default.Equals(type, _type)
                        ? $"declared {SyntaxFacts.GetText(type.DeclaredAccessibility)}"
                        : $"nested in '{type.Name}', which is {SyntaxFacts.GetText(type.DeclaredAccessibility)}";
                    Report(DiagnosticDescriptors.NativeExportsUnreachable, ArgumentLocation("NativeExports"), _type.Name, what);
                    break;
                }
            }

            return prefix;
        }

        private void CheckApplicability(CellKind cell, RecurrenceKind recurrence, int projection, double dropout, int layers)
        {
            if (cell != CellKind.Vanilla)
            {
                string uses = $"uses Cell = CellType.{cell}";
                if (_arguments.ContainsKey("Activation"))
                {
                    Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Activation"), "Activation", "the vanilla cell (LSTM and GRU gates have fixed non-linearities)", uses);
                }

                if (recurrence == RecurrenceKind.Output)
                {
                    Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Recurrence"), "Recurrence.Output", "the vanilla cell", uses);
                }
            }

            if (recurrence == RecurrenceKind.Output && layers > 1)
            {
                Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Recurrence"), "Recurrence.Output", "one-layer networks (the head's output can feed only one layer back)", $"has Layers = {layers}");
            }

            if (_arguments.TryGetValue("Bidirectional", out TypedConstant bi) && bi.Value is true)
            {
                if (Int("Truncate", 0) > 0)
                {
                    Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Truncate"), "Truncate", "unidirectional networks (a reverse direction's gradient flows from the end of the sequence)", "is Bidirectional");
                }

                if (recurrence == RecurrenceKind.Output)
                {
                    Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Recurrence"), "Recurrence.Output", "unidirectional networks", "is Bidirectional");
                }
            }

            if (dropout > 0 && dropout < 1 && layers == 1)
            {
                Report(DiagnosticDescriptors.DropoutWithoutLayers, ArgumentLocation("Dropout"), dropout);
            }

            if (projection > 0 && cell != CellKind.Lstm)
            {
                Report(DiagnosticDescriptors.InvalidCombination, ArgumentLocation("Projection"), "Projection", "the LSTM cell (PyTorch proj_size)", $"uses Cell = CellType.{cell}");
            }
        }

        /// <summary>
        /// A user member named like a generated one would surface as CS0102/CS0111 inside generated code;
        /// report it on the user's member instead. Overloads with other parameter types are fine.
        /// </summary>
        private void CheckNames(ModelSpec spec)
        {
            foreach ((ISymbol? member, string generated, string what) in FindClashes(spec))
            {
                if (member is null)
                {
                    Report(DiagnosticDescriptors.ClassNameClash, NameLocation, _type.Name, what);
                    continue;
                }

                string shown = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ? _type.Name + "()" : member.Name;
                Report(DiagnosticDescriptors.MemberNameClash, member.Locations[0], shown, what, _type.Name);
            }
        }

        /// <summary>
        /// The generated members that the class's name (reported with a null member) or a member of the user's class
        /// would clash with: the user member, the generated member's name (a property's for its accessors, ".ctor" for
        /// the constructor) and how to name it in a message.
        /// </summary>
        private List<(ISymbol? Member, string Generated, string What)> FindClashes(ModelSpec spec)
        {
            var clashes = new List<(ISymbol?, string, string)>();
            var generatedMembers = GeneratedMembers.Of(spec);
            Dictionary<string, string> nonMethods = generatedMembers.NonMethods;
            Dictionary<string, List<GeneratedMembers.Method>> methods = generatedMembers.Methods;
            foreach (string generated in generatedMembers.AllNames)
            {
                if (generated == _type.Name)
                {
                    string what = nonMethods.TryGetValue(generated, out string? d) ? d : methods[generated][0].Display;
                    clashes.Add((null, generated, what));
                    break;
                }
            }

            foreach (ISymbol member in _type.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member.Locations.Length == 0 || !member.Locations[0].IsInSource)
                {
                    continue;
                }

                // A property's accessors clash exactly when the property does, which is reported once, for the property.
                if (member is IMethodSymbol { AssociatedSymbol: { } property } && (nonMethods.ContainsKey(property.Name) || methods.ContainsKey(property.Name)))
                {
                    continue;
                }

                string? clash = null;
                if (nonMethods.TryGetValue(member.Name, out string? field))
                {
                    clash = field;
                }
                else if (methods.TryGetValue(member.Name, out List<GeneratedMembers.Method>? overloads))
                {
                    clash = member is IMethodSymbol method ? SameSignature(method, overloads) : overloads[0].Display;
                }

                if (clash is not null)
                {
                    // An accessor's name (get_Parameters) stands for its property.
                    bool accessor = member.Name.StartsWith("get_", StringComparison.Ordinal) || member.Name.StartsWith("set_", StringComparison.Ordinal);
                    string generated = accessor && !nonMethods.ContainsKey(member.Name) ? member.Name.Substring(4) : member.Name;
                    clashes.Add((member, generated, clash));
                }
            }

            return clashes;
        }

        private static string? SameSignature(IMethodSymbol method, List<GeneratedMembers.Method> overloads)
        {
            if (method.IsStatic && method.MethodKind == MethodKind.StaticConstructor || method.TypeParameters.Length > 0)
            {
                return null;
            }

            foreach (GeneratedMembers.Method overload in overloads)
            {
                if (overload.Parameters.Count != method.Parameters.Length)
                {
                    continue;
                }

                bool same = true;
                for (int i = 0; i < overload.Parameters.Count && same; i++)
                {
                    IParameterSymbol p = method.Parameters[i];
                    // C# cannot overload on ref versus out versus in, so any by-reference kind counts as "ref".
                    string key = (p.RefKind == RefKind.None ? "" : "ref ") + p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    same = key == overload.Parameters[i];
                }

                if (same)
                {
                    return overload.Display;
                }
            }

            return null;
        }

        private void CheckSize(ModelSpec spec)
        {
            var memory = new Plan.Memory(new Plan.Sizes(spec));
            if (memory.ParameterLength > Plan.Memory.MaxArrayLength)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, AttributeLocation, "parameters", memory.ParameterLength, Plan.Memory.MaxArrayLength,
                    spec.TokenInput ? "Hidden, Vocab or Output" : "Hidden, Input or Output");
            }
            else if (memory.BatchNext is { } streams && streams.Offset <= Plan.Memory.MaxArrayLength && memory.WorkspaceLength > Plan.Memory.MaxArrayLength)
            {
                // The rows of the batched Step, one per stream, are what tip it over: name Batch, not MaxSteps.
                Report(DiagnosticDescriptors.ModelTooLarge, AttributeLocation, "rows for the batched Step (Batch x Hidden and friends)", memory.WorkspaceLength, Plan.Memory.MaxArrayLength,
                    "Batch or Hidden");
            }
            else if (memory.WorkspaceLength > Plan.Memory.MaxArrayLength)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, AttributeLocation, "step buffers (MaxSteps x Output)", memory.WorkspaceLength, Plan.Memory.MaxArrayLength,
                    "MaxSteps or Output");
            }
        }

        private int Int(string name, int fallback) =>
            _arguments.TryGetValue(name, out TypedConstant c) && c.Value is int v ? v : fallback;

        private int Enum(string name, string enumName, int count, string allowed)
        {
            if (!_arguments.TryGetValue(name, out TypedConstant c) || c.Value is not int v)
            {
                return 0;
            }

            if (v < 0 || v >= count)
            {
                Report(DiagnosticDescriptors.UndefinedEnumValue, ArgumentLocation(name), name, v, enumName, allowed);
                return 0;
            }

            return v;
        }

        private void Range(string name, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                Report(DiagnosticDescriptors.OutOfRange, ArgumentLocation(name), name, value, min, max);
            }
        }

        private Location ArgumentLocation(string name)
        {
            if (_attributeSyntax?.ArgumentList is { } list)
            {
                foreach (AttributeArgumentSyntax argument in list.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == name)
                    {
                        return argument.GetLocation();
                    }
                }
            }

            return AttributeLocation;
        }
    }
}
