using Microsoft.CodeAnalysis;
using RnnGen.Generator.Printing;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator;

/// <summary>
/// Generates a fixed-size recurrent network into every partial class marked <c>[RnnModel]</c>.
/// The pipeline only wires stages together: parsing lives in <see cref="ModelParser"/>, text in
/// <see cref="ModelPrinter"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelParser.AttributeMetadataName,
                static (node, _) => ModelParser.IsCandidate(node),
                ModelParser.Parse)
            .WithTrackingName(TrackingNames.Parsed);

        // Diagnostics keep their source locations (pragma-suppressible); they never feed the source branch.
        context.RegisterSourceOutput(
            parsed.Select(static (result, _) => result.Diagnostics).WithTrackingName(TrackingNames.Diagnostics),
            static (spc, diagnostics) =>
            {
                foreach (ReportedDiagnostic diagnostic in diagnostics)
                {
                    spc.ReportDiagnostic(diagnostic.Diagnostic);
                }
            });

        // The source branch sees only the value-equatable model: an edit elsewhere regenerates nothing.
        IncrementalValuesProvider<ModelSpec> models = parsed
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

        context.RegisterSourceOutput(models, static (spc, model) =>
            spc.AddSource(ModelPrinter.HintName(model), ModelPrinter.Print(model, spc.CancellationToken)));

        // An invalid declaration still gets its public members, with bodies that throw: its error is then the only one.
        IncrementalValuesProvider<ModelSurface> surfaces = parsed
            .Select(static (result, _) => result.Surface)
            .Where(static surface => surface is not null)
            .Select(static (surface, _) => surface!)
            .WithTrackingName(TrackingNames.Surfaces);

        context.RegisterSourceOutput(surfaces, static (spc, surface) =>
            spc.AddSource(ModelPrinter.HintName(surface.Spec), SurfacePrinter.Print(surface)));
    }
}

/// <summary>Names of the tracked pipeline steps, for caching tests.</summary>
internal static class TrackingNames
{
    public const string Parsed = nameof(Parsed);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Models = nameof(Models);

    public const string Surfaces = nameof(Surfaces);
}
