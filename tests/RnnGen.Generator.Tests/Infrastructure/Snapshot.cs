using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot files in Verify's convention, written by hand because Verify is not available:
/// <c>Snapshots/{Class}.{Method}#{HintName}.verified.cs</c>, first line <c>//HintName: {hint}</c>,
/// UTF-8 without BOM, LF endings. A mismatch (or a missing snapshot) writes <c>.received.cs</c>
/// beside it and fails with the first differences; accepting is renaming received to verified.
/// Set RNNGEN_ACCEPT_SNAPSHOTS=1 to write verified files directly.
/// </summary>
internal static partial class Snapshot
{
    public static void Verify(string hintName, string source, [CallerFilePath] string testFile = "", [CallerMemberName] string method = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string stem = $"{Path.GetFileNameWithoutExtension(testFile)}.{method}#{Path.GetFileNameWithoutExtension(hintName)}";
        string verified = Path.Combine(directory, stem + ".verified.cs");
        string received = Path.Combine(directory, stem + ".received.cs");
        string actual = $"//HintName: {hintName}\n" + Scrub(source.Replace("\r\n", "\n"));

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        if (Environment.GetEnvironmentVariable("RNNGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual, utf8);
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual, utf8);
        Assert.Fail(expected is null
            ? $"New snapshot {received}: review it and rename it to .verified.cs to accept."
            : $"Snapshot differs from {verified}; see {received}.\n{Diff(expected, actual)}");
    }

    /// <summary>
    /// The generator's version changes with every commit (MinVer: 0.2.0, 0.2.1-alpha.0.5, ...); snapshots must not.
    /// </summary>
    public static string Scrub(string source) => VersionPattern().Replace(source, "$1, \"VERSION\"");

    [GeneratedRegex("(\"RnnGen\"|\"rnngen\\.version\"), \"[0-9]+\\.[0-9]+\\.[0-9]+(?:\\.[0-9]+)?(?:-[0-9A-Za-z.-]+)?\"")]
    private static partial Regex VersionPattern();

    private static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        var text = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(a.Length, b.Length) && shown < 20; i++)
        {
            string? x = i < a.Length ? a[i] : null, y = i < b.Length ? b[i] : null;
            if (x != y)
            {
                text.Append($"line {i + 1}:\n- {x ?? "<end>"}\n+ {y ?? "<end>"}\n");
                shown++;
            }
        }

        return text.ToString();
    }
}
