using System;
using System.IO;

namespace RnnGen.Tests;

/// <summary>
/// Fuzz summaries for CI logs. <c>dotnet test</c> hides a passing test's output, so each fuzz test also
/// appends its one-line summary (cases tried, diagnostics or rejections seen, crashes) to the file named by
/// the RNNGEN_FUZZ_SUMMARY environment variable, which .ci/run prints. Linked into each test project.
/// </summary>
internal static class FuzzSummary
{
    public static void Write(string suite, string line)
    {
        string? path = Environment.GetEnvironmentVariable("RNNGEN_FUZZ_SUMMARY");
        if (!string.IsNullOrEmpty(path))
        {
            File.AppendAllText(path, $"[{suite}] {line}{Environment.NewLine}");
        }
    }
}
