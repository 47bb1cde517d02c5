using Microsoft.CodeAnalysis;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// What the parser makes of one declaration: the model (null when the declaration is invalid)
/// and the diagnostics. The two go to separate pipeline branches: the model branch is cached by
/// value; diagnostics keep their real source locations so <c>#pragma warning disable</c> works.
/// </summary>
internal sealed record ParseResult(ModelSpec? Model, EquatableArray<Diagnostic> Diagnostics);
