using System;
using System.Collections.Generic;
using System.Collections.Immutable;
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

    public static bool IsCandidate(SyntaxNode node) => node is TypeDeclarationSyntax;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var type = (INamedTypeSymbol)context.TargetSymbol;
        AttributeData attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

        var parser = new Parser(syntax, type, attribute, attributeSyntax);
        ModelSpec? model = parser.Run();
        return new ParseResult(model, new EquatableArray<Diagnostic>(parser.Diagnostics.ToImmutableArray()));
    }

    /// <summary>One parse: collects every problem rather than stopping at the first.</summary>
    private sealed class Parser
    {
        private readonly TypeDeclarationSyntax _syntax;
        private readonly INamedTypeSymbol _type;
        private readonly AttributeData _attribute;
        private readonly AttributeSyntax? _attributeSyntax;
        private readonly Dictionary<string, TypedConstant> _arguments = new();
        private bool _compilerError;

        public Parser(TypeDeclarationSyntax syntax, INamedTypeSymbol type, AttributeData attribute, AttributeSyntax? attributeSyntax)
        {
            _syntax = syntax;
            _type = type;
            _attribute = attribute;
            _attributeSyntax = attributeSyntax;
        }

        public List<Diagnostic> Diagnostics { get; } = new();

        private Location NameLocation => _syntax.Identifier.GetLocation();

        private Location AttributeLocation => _attributeSyntax?.GetLocation() ?? NameLocation;

        public ModelSpec? Run()
        {
            bool shapeOk = CheckDeclaration(out EquatableArray<ContainingTypeSpec> containers);

            foreach (KeyValuePair<string, TypedConstant> pair in _attribute.NamedArguments)
            {
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

            ModelSpec? spec = ReadOptions(containers);
            if (!shapeOk || _compilerError || spec is null || HasErrors())
            {
                return null;
            }

            CheckSize(spec);
            return HasErrors() ? null : spec;
        }

        private bool HasErrors()
        {
            foreach (Diagnostic d in Diagnostics)
            {
                if (d.Severity == DiagnosticSeverity.Error)
                {
                    return true;
                }
            }

            return false;
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
            int layers = Int("Layers", 1), projection = Int("Projection", 0);
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


            var typeSpec = new TypeSpec(
                _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                _type.Name,
                containers);
            return new ModelSpec(typeSpec, hidden, hasVocab ? vocab : 0, hasInput ? input : 0, output, cell, activation, loss,
                truncate, maxSteps, outputs, recurrence, precision, layers, bidirectional, dropout, projection);
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

        private void CheckSize(ModelSpec spec)
        {
            var layout = new Layout(spec);
            if (layout.ParameterLength > Layout.MaxArrayLength)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, AttributeLocation, "parameters", layout.ParameterLength, Layout.MaxArrayLength,
                    spec.TokenInput ? "Hidden, Vocab or Output" : "Hidden, Input or Output");
            }
            else if (layout.WorkspaceLength > Layout.MaxArrayLength)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, AttributeLocation, "step buffers (MaxSteps x Output)", layout.WorkspaceLength, Layout.MaxArrayLength,
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
