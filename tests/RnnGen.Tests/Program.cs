namespace RnnGen.Tests;

/// <summary>
/// The test assembly's entry point (in place of the one the test SDK would generate, which does nothing): with
/// <see cref="Tiering.TieringProbe.Argument"/> it prints the probe's digest, for tests that need a fresh process.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == Tiering.TieringProbe.Argument)
        {
            System.Console.WriteLine(Tiering.TieringProbe.Digest());
            return 0;
        }

        System.Console.Error.WriteLine($"usage: dotnet RnnGen.Tests.dll {Tiering.TieringProbe.Argument}");
        return 2;
    }
}
