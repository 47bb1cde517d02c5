namespace RnnGen.Generator.Model;

/// <summary>
/// The public members of a model whose declaration is invalid, to be generated with bodies that throw: what the
/// Regex generator does for an invalid pattern, so the declaration's one error is the only error and code that
/// uses the model does not also report every member as missing (CS1061, CS0117, CS0426).
/// </summary>
/// <param name="Spec">The declaration as far as it can be read: each invalid or missing value replaced by a fallback.</param>
/// <param name="ErrorId">The first error's id (RNNG008, ...), or null when the attribute does not compile.</param>
/// <param name="ErrorMessage">That error's message, or null.</param>
/// <param name="Omitted">Generated member names to leave out because a member of the user's class has them.</param>
internal sealed record ModelSurface(ModelSpec Spec, string? ErrorId, string? ErrorMessage, EquatableArray<string> Omitted);
