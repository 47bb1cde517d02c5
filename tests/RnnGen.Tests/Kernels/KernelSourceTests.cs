using System;
using System.IO;
using System.Text.RegularExpressions;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The tile steps with intrinsics in place (src/RnnGen/Runtime/Kernels/TileSteps.cs) are written once per width; they
/// must stay the same code but for the width, or one width would compute what the others do not.
/// </summary>
public class KernelSourceTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    public void Each_widths_tile_steps_are_the_512_bit_steps_at_that_width(int bits)
    {
        string source = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "RnnGen", "Runtime", "Kernels", "TileSteps.cs"));
        string wide = ClassOf(source, 512);
        Assert.Equal(wide.Replace("512", bits.ToString()), ClassOf(source, bits));
    }

    private static string ClassOf(string source, int bits)
    {
        Match match = Regex.Match(source, $@"internal static class TileSteps{bits}\n\{{\n.*?\n\}}\n", RegexOptions.Singleline);
        Assert.True(match.Success, $"TileSteps.cs has no class TileSteps{bits}.");
        return match.Value;
    }

    private static string RepositoryRoot()
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
