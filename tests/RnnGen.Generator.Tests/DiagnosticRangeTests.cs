using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The diagnostic ids that README, the package readme and docs/diagnostics.md name are the ones the generator
/// reports: the range has been edited by hand twice as ids were added and retired, so it is checked against the
/// descriptors themselves.
/// </summary>
public sealed class DiagnosticRangeTests
{
    private static readonly DiagnosticDescriptor[] Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();

    private static int Number(string id) => int.Parse(id["RNNG".Length..]);

    private static string Id(int number) => $"RNNG{number:000}";

    private static string Last => Descriptors[^1].Id;

    private static int[] Retired => Enumerable.Range(1, Number(Last)).Where(n => Descriptors.All(d => Number(d.Id) != n)).ToArray();

    private static string Read(string path) => File.ReadAllText(Path.Combine(Repository.Root, path));

    [Fact]
    public void ReadmeNamesTheRangeInUse()
    {
        Assert.Equal("RNNG001", Descriptors[0].Id);
        Assert.Contains($"`RNNG001`–`{Last}`", Read("README.md"));
    }

    [Fact]
    public void PackageReadmeNamesTheRangeTheRetiredIdsInsideItAndTheWarnings()
    {
        string warnings = string.Join(", ", Descriptors.Where(d => d.DefaultSeverity == DiagnosticSeverity.Warning).Select(d => $"`{d.Id}`"));
        string retired = string.Join(", ", Retired.Select(n => $"`{Id(n)}`"));
        string text = Read("src/RnnGen/PACKAGE.md").ReplaceLineEndings(" ");
        Assert.Contains($"`RNNG001`–`{Last}` ({retired} {(Retired.Length == 1 ? "is" : "are")} retired; {warnings} is", text);
    }

    [Fact]
    public void DiagnosticsPageListsTheIdsInUseAndHasASectionForEach()
    {
        // The ids in use as runs: RNNG001–RNNG013, RNNG015–RNNG022 and RNNG024–RNNG025.
        var runs = Descriptors.Select(d => Number(d.Id))
            .Aggregate(new System.Collections.Generic.List<(int First, int Last)>(), (list, n) =>
            {
                if (list.Count > 0 && list[^1].Last == n - 1) list[^1] = (list[^1].First, n);
                else list.Add((n, n));
                return list;
            })
            .Select(r => r.First == r.Last ? Id(r.First) : $"{Id(r.First)}–{Id(r.Last)}");
        string page = Read("docs/diagnostics.md");
        string[] list = runs.ToArray();
        string inUse = list.Length == 1 ? list[0] : $"{string.Join(", ", list[..^1])} and {list[^1]}";
        Assert.Contains($"the ids in use are {inUse}.", page.ReplaceLineEndings(" "));
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            Assert.Contains($"\n## {descriptor.Id}", page.ReplaceLineEndings("\n"));
        }
    }
}
