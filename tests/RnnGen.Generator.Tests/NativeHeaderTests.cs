using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.Runtime;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The status codes a C host reads in rnngen.h are the ones the entry points return (NativeCalls' constants), name for
/// name, and each exception a call can end in maps to the code the header describes.
/// </summary>
public sealed class NativeHeaderTests
{
    [Fact]
    public void HeaderStatusCodesAreTheRuntimes()
    {
        string header = File.ReadAllText(Path.Combine(Repository.Root, "src", "RnnGen", "Native", "rnngen.h"));
        var inHeader = Regex.Matches(header, @"\bRNNGEN_([A-Z_]+) = (\d+)")
            .ToDictionary(m => m.Groups[1].Value.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant(), m => int.Parse(m.Groups[2].Value));
        var inRuntime = typeof(NativeCalls).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name.ToLowerInvariant(), f => (int)f.GetRawConstantValue()!);
        Assert.Equal(inRuntime.OrderBy(p => p.Key), inHeader.OrderBy(p => p.Key));
    }

    [Fact]
    public void ExceptionsMapToTheirCodes()
    {
        Assert.Equal(NativeCalls.InvalidArgument, NativeCalls.Fail(new ArgumentException("bad"), "f"));
        Assert.Equal(NativeCalls.InvalidWeights, NativeCalls.Fail(new InvalidDataException("bad"), "f"));
        Assert.Equal(NativeCalls.IOError, NativeCalls.Fail(new FileNotFoundException("bad"), "f"));
        Assert.Equal(NativeCalls.OutOfMemory, NativeCalls.Fail(new OutOfMemoryException("bad"), "f"));
        // A call refused by the model's call guard (another thread is in a call on it) is RNNGEN_BUSY, not an internal error.
        Assert.Equal(NativeCalls.Busy, NativeCalls.Fail(new InvalidOperationException("busy"), "f"));
        Assert.Equal(NativeCalls.InternalError, NativeCalls.Fail(new IndexOutOfRangeException("bug"), "f"));
    }
}
