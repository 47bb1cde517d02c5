using System;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>
/// A diagnostic for the incremental pipeline, compared by what it says and where: its id, severity, message, and the
/// very syntax tree and span it is located in. The diagnostic itself keeps its real source location, so
/// <c>#pragma warning disable</c> works; and an edit in another file (same tree, same span, same message) leaves the
/// parse step unchanged, where <see cref="Diagnostic"/>'s own equality (message arguments by reference) never would.
/// </summary>
internal readonly struct ReportedDiagnostic : IEquatable<ReportedDiagnostic>
{
    public ReportedDiagnostic(Diagnostic diagnostic) => Diagnostic = diagnostic;

    public Diagnostic Diagnostic { get; }

    public bool Equals(ReportedDiagnostic other) =>
        Diagnostic.Id == other.Diagnostic.Id
        && Diagnostic.Severity == other.Diagnostic.Severity
        && ReferenceEquals(Diagnostic.Location.SourceTree, other.Diagnostic.Location.SourceTree)
        && Diagnostic.Location.SourceSpan == other.Diagnostic.Location.SourceSpan
        && Diagnostic.GetMessage(CultureInfo.InvariantCulture) == other.Diagnostic.GetMessage(CultureInfo.InvariantCulture);

    public override bool Equals(object? obj) => obj is ReportedDiagnostic other && Equals(other);

    public override int GetHashCode() => (Diagnostic.Id.GetHashCode() * 31) ^ Diagnostic.Location.SourceSpan.GetHashCode();
}
