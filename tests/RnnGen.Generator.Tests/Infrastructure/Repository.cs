using System;
using System.IO;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>The repository the tests run from: its root is the folder above the test binaries that holds RnnGen.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
