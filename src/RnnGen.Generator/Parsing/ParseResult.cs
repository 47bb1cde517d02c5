using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// What the parser makes of one declaration: the model (null when the declaration is invalid), the public surface
/// to generate instead when it is invalid but the class can take members (null otherwise), and the diagnostics.
/// Diagnostics go to a pipeline branch of their own and keep their real source locations so
/// <c>#pragma warning disable</c> works; every branch is cached by value (<see cref="ReportedDiagnostic"/>).
/// </summary>
internal sealed record ParseResult(ModelSpec? Model, ModelSurface? Surface, EquatableArray<ReportedDiagnostic> Diagnostics);
