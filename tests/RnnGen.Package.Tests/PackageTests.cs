using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using RnnGen.Package.Tests.Infrastructure;

namespace RnnGen.Package.Tests;

/// <summary>The package as shipped, and a user's first project with it (built once by <see cref="ConsumerFixture"/>).</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageTests
{
    private readonly ConsumerFixture _consumer;

    public PackageTests(ConsumerFixture consumer) => _consumer = consumer;

    [Fact]
    public void PackageHoldsTheRuntimeTheGeneratorTheCHeaderAndTheReadme()
    {
        using ZipArchive package = ZipFile.OpenRead(_consumer.PackagePath);
        string[] files = package.Entries
            .Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal)
                && !name.StartsWith("package/services/", StringComparison.Ordinal)
                && name != "[Content_Types].xml")
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(
            new[]
            {
                "PACKAGE.md",
                "RnnGen.nuspec",
                "analyzers/dotnet/cs/RnnGen.Generator.dll",
                "build/native/include/rnngen.h",
                "lib/net10.0/RnnGen.dll",
                "lib/net10.0/RnnGen.xml",
            },
            files);
    }

    [Fact]
    public void NuspecHasLicenseReadmeRepositoryAndNoDependencies()
    {
        using ZipArchive package = ZipFile.OpenRead(_consumer.PackagePath);
        using Stream stream = package.GetEntry("RnnGen.nuspec")!.Open();
        XElement metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        XElement Element(string name) => metadata.Elements().Single(e => e.Name.LocalName == name);

        Assert.Equal("RnnGen", Element("id").Value);
        Assert.Equal(ConsumerFixture.Version, Element("version").Value);
        Assert.Equal("expression", Element("license").Attribute("type")?.Value);
        Assert.Equal("MIT", Element("license").Value);
        Assert.Equal("PACKAGE.md", Element("readme").Value);
        Assert.Equal("git", Element("repository").Attribute("type")?.Value);
        Assert.False(string.IsNullOrEmpty(Element("description").Value));

        // Consumers need nothing at run time but RnnGen.dll: the Roslyn packages stay private to the generator.
        Assert.DoesNotContain(Element("dependencies").Descendants(), e => e.Name.LocalName == "dependency");
    }

    [Fact]
    public void InteropIsAPackageOfItsOwnThatBringsTheFormatLibraries()
    {
        // The core package depends on nothing (above); ONNX, HDF5 and their libraries come with RnnGen.Interop only.
        string output = Path.Combine(Path.GetTempPath(), "rnngen-interop-" + Guid.NewGuid().ToString("N"));
        try
        {
            DotNetCli.Run(_consumer.SourceCopy, new System.Collections.Generic.Dictionary<string, string> { ["NuGetAudit"] = "false" },
                "pack", Path.Combine(_consumer.SourceCopy, "src", "RnnGen.Interop", "RnnGen.Interop.csproj"),
                "-c", "Release", "--artifacts-path", Path.Combine(output, "artifacts"), "-o", output, "--disable-build-servers", "-tl:off").EnsureSuccess();
            string nupkg = Path.Combine(output, $"RnnGen.Interop.{ConsumerFixture.Version}.nupkg");
            using ZipArchive package = ZipFile.OpenRead(nupkg);
            Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/RnnGen.Interop.dll");
            using Stream stream = package.GetEntry("RnnGen.Interop.nuspec")!.Open();
            string[] dependencies = XDocument.Load(stream).Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => $"{e.Attribute("id")!.Value} {e.Attribute("version")!.Value}").Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["Google.Protobuf 3.36.2", "PureHDF 2.2.0", $"RnnGen {ConsumerFixture.Version}"], dependencies);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void GeneratorReferencesNoRoslynNewerThanTheOldestSupportedCompiler()
    {
        using ZipArchive package = ZipFile.OpenRead(_consumer.PackagePath);
        using var generator = new MemoryStream();
        using (Stream entry = package.GetEntry("analyzers/dotnet/cs/RnnGen.Generator.dll")!.Open())
        {
            entry.CopyTo(generator);
        }

        generator.Position = 0;
        using var pe = new PEReader(generator);
        MetadataReader reader = pe.GetMetadataReader();
        var roslyn = reader.AssemblyReferences
            .Select(handle => reader.GetAssemblyReference(handle))
            .Select(reference => (Name: reader.GetString(reference.Name), reference.Version))
            .Where(reference => reference.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(roslyn);

        // Roslyn 4.8 is the .NET 8 SDK's compiler, the oldest the README promises; a newer reference
        // makes older compilers skip the generator with CS9057.
        Version host = AssemblyName.GetAssemblyName(
            Path.Combine(_consumer.SdkDirectory, "Roslyn", "bincore", "Microsoft.CodeAnalysis.dll")).Version!;
        foreach ((string name, Version version) in roslyn)
        {
            Assert.True(version <= new Version(4, 8, 0, 0), $"{name} {version} is newer than Roslyn 4.8 (.NET 8 SDK).");
            Assert.True(version <= host, $"{name} {version} is newer than this SDK's compiler {host}.");
        }
    }

    [Fact]
    public void VersionComesFromTheGitTagWithThePrereleaseHeight()
    {
        // Two commits after the tag v1.4.0: the next patch's prerelease, 2 commits on. Every assembly carries it.
        Assert.Equal(new[] { $"RnnGen.{ConsumerFixture.Version}.nupkg" }, Directory.GetFiles(_consumer.Feed).Select(Path.GetFileName));
        string commit = Infrastructure.Git.Run(_consumer.SourceCopy, "rev-parse", "HEAD").EnsureSuccess().Output.Trim();
        using ZipArchive package = ZipFile.OpenRead(_consumer.PackagePath);
        foreach (string entry in new[] { "lib/net10.0/RnnGen.dll", "analyzers/dotnet/cs/RnnGen.Generator.dll" })
        {
            string file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dll");
            package.GetEntry(entry)!.ExtractToFile(file);
            try
            {
                FileVersionInfo info = FileVersionInfo.GetVersionInfo(file);
                Assert.Equal(ConsumerFixture.Version + "+" + commit, info.ProductVersion); // AssemblyInformationalVersion
                Assert.Equal("1.4.1.0", info.FileVersion);
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public void GeneratedCodeCarriesThePackageVersion()
    {
        string source = File.ReadAllText(Path.Combine(_consumer.ConsumerDirectory, "obj", "Debug", "net10.0", "generated",
            "RnnGen.Generator", "RnnGen.Generator.RnnModelGenerator", "M.RnnModel.g.cs"));
        AssertStampedWith(ConsumerFixture.Version, source);
    }

    /// <summary>Every [GeneratedCode] attribute and the version SaveWeights records name <paramref name="version"/>.</summary>
    internal static void AssertStampedWith(string version, string source)
    {
        string[] stamps = Regex.Matches(source, "GeneratedCode\\(\"RnnGen\", \"([^\"]*)\"\\)").Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(stamps);
        Assert.All(stamps, stamp => Assert.Equal(version, stamp));
        Assert.Equal(version, Regex.Match(source, "\"rnngen\\.version\", \"([^\"]*)\"").Groups[1].Value);
    }

    [Fact]
    public void ConsumerRestoresRnnGenFromTheLocalFolderAndNothingElse()
    {
        using JsonDocument assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(_consumer.ConsumerDirectory, "obj", "project.assets.json")));
        string[] libraries = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { $"RnnGen/{ConsumerFixture.Version}" }, libraries);

        // The private cache records where each package came from.
        using JsonDocument metadata = JsonDocument.Parse(File.ReadAllText(
            Path.Combine(_consumer.Packages, "rnngen", ConsumerFixture.Version.ToLowerInvariant(), ".nupkg.metadata")));
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(_consumer.Feed),
            Path.TrimEndingDirectorySeparator(metadata.RootElement.GetProperty("source").GetString()!));
    }

    [Fact]
    public void ConsumerBuildsWithoutWarningsAndTheGeneratorRuns()
    {
        string output = _consumer.ConsumerBuild.Output;

        // CS9057: the generator needs a newer compiler; CS8032: it could not be loaded at all.
        // Either way the compiler skips it with only a warning, so look for them explicitly.
        // NU1900 (audit data unavailable) would mean the build asked the unreachable remote source.
        Assert.DoesNotContain("CS9057", output);
        Assert.DoesNotContain("CS8032", output);
        Assert.Empty(Regex.Matches(output, @"\bwarning [A-Z]+[0-9]+").Select(m => m.Value));

        // EmitCompilerGeneratedFiles writes the model where the README says.
        string generated = Path.Combine(_consumer.ConsumerDirectory, "obj", "Debug", "net10.0", "generated",
            "RnnGen.Generator", "RnnGen.Generator.RnnModelGenerator", "M.RnnModel.g.cs");
        Assert.True(File.Exists(generated), $"No generated model at {generated}:{Environment.NewLine}{output}");
    }

    [Fact]
    public void ConsumerTrainsTheModelAndPrintsTheLoss()
    {
        string output = _consumer.ConsumerRun.Output;
        string Value(string label) =>
            Regex.Match(output, "^" + label + " (.+)$", RegexOptions.Multiline) is { Success: true } match
                ? match.Groups[1].Value.Trim()
                : throw new Xunit.Sdk.XunitException($"No '{label}' line in:{Environment.NewLine}{output}");

        // 16x10 + 16x16 + 2x16 (recurrent layer) + 10x16 + 10 (head).
        Assert.Equal("618", Value("parameters"));

        // An untrained model scores about ln(10) per step on each of the 9 steps; training drives it to near 0.
        double first = double.Parse(Value("loss first"), CultureInfo.InvariantCulture);
        double last = double.Parse(Value("loss last"), CultureInfo.InvariantCulture);
        Assert.InRange(first, 9 * Math.Log(10) - 1, 9 * Math.Log(10) + 1);
        Assert.InRange(last, 0, 0.5);
        Assert.Equal("2 3 4 5 6 7 8 9 0", Value("predicted"));
    }
}
