using System;
using System.IO;

namespace RnnGen.Samples.Tests;

/// <summary>A directory for one test's outputs, deleted afterwards.</summary>
public abstract class TempDirectory : IDisposable
{
    protected string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("rnngen-sample-").FullName;

    protected string PathOf(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static void AssertPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }
}
