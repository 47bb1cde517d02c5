using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Package.Tests.Infrastructure;
using RnnGen.Tests;

namespace RnnGen.Package.Tests;

/// <summary>The test classes that share one <see cref="ConsumerFixture"/>: they run one after the other, and it is built once.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<ConsumerFixture>
{
    public const string Name = "package";
}

/// <summary>A console project built and run against RnnGen: where it is, and what its build and run printed.</summary>
public sealed record ConsumerProject(string Directory, CommandResult Build, CommandResult Run)
{
    /// <summary>The model's generated source, written by EmitCompilerGeneratedFiles where the README says.</summary>
    public string GeneratedFile(string hintName) => Path.Combine(Directory, "obj", "Debug", "net10.0", "generated",
        "RnnGen.Generator", "RnnGen.Generator.RnnModelGenerator", hintName);
}

/// <summary>
/// Does once what a new user does. The repository's sources (as they are on disk, committed or not) are
/// copied into a git repository of their own, tagged <see cref="Tag"/> two commits back, so the version
/// MinVer derives is known: <see cref="Version"/>. That copy is packed into a folder; console projects
/// made with <c>dotnet new</c> then reference the package through a NuGet.config for that folder, with
/// a private package cache, and are built and run: one with a small training program, one whose
/// Program.cs is exactly the README's first C# block. A third references the copy's projects by path
/// the way the README shows, instead of the package.
/// </summary>
/// <remarks>
/// Nothing here may depend on a remote feed: the consumers' only other source is an address where
/// nothing answers, and NuGet's audit (which fetches vulnerability data from every source and, when
/// that is slow or fails, warns NU1900 on every restore) is off in every command, so a slow or
/// unreachable nuget.org can neither fail a build nor add a warning to it.
/// </remarks>
public sealed class ConsumerFixture : IDisposable
{
    /// <summary>The tag of the copy's first commit.</summary>
    public const string Tag = "v1.4.0";

    /// <summary>What MinVer makes of two commits after <see cref="Tag"/>: the next patch, a prerelease of height 2.</summary>
    public const string Version = "1.4.1-alpha.0.2";

    private const string ConsumerProgram = """
        using System.Globalization;
        using RnnGen;

        // Learn to continue the cycle 1, 2, ..., 9, 0: the input is the sequence, the target the same shifted by one.
        var model = new M();
        model.Initialize(seed: 1);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
        float first = model.SgdStep(tokens.AsSpan(0, 9), tokens.AsSpan(1), learningRate: 0.1f);
        float last = first;
        for (int i = 0; i < 200; i++)
        {
            last = model.SgdStep(tokens.AsSpan(0, 9), tokens.AsSpan(1), learningRate: 0.1f);
        }

        var predicted = new int[9];
        model.Predict(tokens.AsSpan(0, 9), predicted);
        Console.WriteLine($"parameters {M.ParameterCount}");
        Console.WriteLine($"loss first {first.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"loss last {last.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"predicted {string.Join(' ', predicted)}");

        [RnnModel(Hidden = 16, Vocab = 10)]
        partial class M { }

        """;

    /// <summary>Every command runs without NuGet's audit (see the remarks).</summary>
    private static readonly Dictionary<string, string> NoAudit = new() { ["NuGetAudit"] = "false" };

    private readonly string _root;
    private readonly Lazy<ConsumerProject> _readme;
    private readonly Lazy<ConsumerProject> _projectReference;

    public ConsumerFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), "rnngen-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        try
        {
            RepositoryDirectory = RepositoryRoot();
            Readme = File.ReadAllText(Path.Combine(RepositoryDirectory, "README.md"));
            SourceCopy = Path.Combine(_root, "RnnGen");
            Feed = Path.Combine(_root, "feed");
            Packages = Path.Combine(_root, "packages");
            ConsumerDirectory = Path.Combine(_root, "Consumer");
            Build();
            _readme = new Lazy<ConsumerProject>(() => FromPackage("Readme", MarkdownBlocks.First(Readme, "csharp").Text));
            _projectReference = new Lazy<ConsumerProject>(BuildProjectReferenceConsumer);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The repository under test (its README, its sources).</summary>
    public string RepositoryDirectory { get; }

    /// <summary>README.md as it is on disk.</summary>
    public string Readme { get; }

    /// <summary>The copy of the sources, a git repository tagged <see cref="Tag"/>, from which the package is packed.</summary>
    public string SourceCopy { get; }

    /// <summary>The local package source: holds exactly the package just packed.</summary>
    public string Feed { get; }

    public string PackagePath => Path.Combine(Feed, $"RnnGen.{Version}.nupkg");

    public string ConsumerDirectory { get; }

    /// <summary>The consumers' private global packages folder (NUGET_PACKAGES).</summary>
    public string Packages { get; }

    public CommandResult Pack { get; private set; } = null!;

    public CommandResult ConsumerBuild { get; private set; } = null!;

    public CommandResult ConsumerRun { get; private set; } = null!;

    /// <summary>The SDK directory whose compiler built the consumer (…/sdk/10.0.401).</summary>
    public string SdkDirectory { get; private set; } = null!;

    /// <summary>A console project referencing the package whose Program.cs is the README's first C# block, built and run.</summary>
    public ConsumerProject ReadmeConsumer => _readme.Value;

    /// <summary>A console project referencing the copy's two projects with the README's XML, its Program.cs the README's first C# block.</summary>
    public ConsumerProject ProjectReferenceConsumer => _projectReference.Value;

    private Dictionary<string, string> User => new(NoAudit) { ["NUGET_PACKAGES"] = Packages };

    private void Build()
    {
        CopySourcesIntoTaggedRepository();

        // The package, built in its own artifacts folder so that no bin or obj folder is shared with
        // anything else that may be building at the same time.
        Pack = DotNetCli.Run(SourceCopy, NoAudit,
            "pack", Path.Combine(SourceCopy, "src", "RnnGen", "RnnGen.csproj"),
            "-c", "Release", "--artifacts-path", Path.Combine(_root, "artifacts"), "-o", Feed,
            "--disable-build-servers", "-tl:off").EnsureSuccess();

        ConsumerProject consumer = FromPackage("Consumer", ConsumerProgram);
        ConsumerBuild = consumer.Build;
        ConsumerRun = consumer.Run;

        // `dotnet --list-sdks` lines read "10.0.401 [/usr/share/dotnet/sdk]"; take the one `dotnet --version` picks here.
        string version = DotNetCli.Run(ConsumerDirectory, User, "--version").EnsureSuccess().Output.Trim();
        string sdks = DotNetCli.Run(ConsumerDirectory, User, "--list-sdks").EnsureSuccess().Output;
        string line = sdks.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(version + " [", StringComparison.Ordinal));
        SdkDirectory = Path.Combine(line[(version.Length + 2)..^1], version);
    }

    /// <summary>
    /// What ships is built from src/ and the Directory.Build.props and global.json above it; those files, as
    /// they are in the working tree, become a repository of their own with one tagged commit and two after it.
    /// </summary>
    private void CopySourcesIntoTaggedRepository()
    {
        string listed = Git.Run(RepositoryDirectory, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
            "--", "Directory.Build.props", "global.json", "src").EnsureSuccess().Output;
        foreach (string file in listed.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Trim()).Where(f => f.Length > 0))
        {
            string from = Path.Combine(RepositoryDirectory, file);
            if (File.Exists(from)) // a file deleted from the working tree is still listed until the deletion is committed
            {
                string to = Path.Combine(SourceCopy, file);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to);
            }
        }

        Git.Run(SourceCopy, "init", "-q", "-b", "main").EnsureSuccess();
        Git.Run(SourceCopy, "add", "-A").EnsureSuccess();
        Git.Run(SourceCopy, "commit", "-q", "-m", "Release").EnsureSuccess();
        Git.Run(SourceCopy, "tag", Tag).EnsureSuccess();
        Git.Run(SourceCopy, "commit", "-q", "--allow-empty", "-m", "After the release").EnsureSuccess();
        Git.Run(SourceCopy, "commit", "-q", "--allow-empty", "-m", "And one more").EnsureSuccess();
    }

    /// <summary>A new console project with the package from the local folder and the given Program.cs, built and run.</summary>
    private ConsumerProject FromPackage(string name, string program)
    {
        string directory = Path.Combine(_root, name);
        DotNetCli.Run(_root, User, "new", "console", "-n", name, "-o", directory).EnsureSuccess();

        // RnnGen comes only from the local folder. Everything else would come from the second source, where
        // nothing answers: the package has no dependencies, so a consumer never needs it.
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="rnngen-local" value="{Feed}" />
                <add key="unreachable" value="https://127.0.0.1:9/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="rnngen-local">
                  <package pattern="RnnGen" />
                </packageSource>
                <packageSource key="unreachable">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        DotNetCli.Run(directory, User, "add", "package", "RnnGen", "--version", Version).EnsureSuccess();
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return BuildAndRun(directory, User);
    }

    /// <summary>
    /// The README's direct project reference: a console project beside the copy of the sources (so the README's
    /// relative paths, ../RnnGen/src/..., hold), the README's ItemGroup pasted into its project file as it is.
    /// </summary>
    private ConsumerProject BuildProjectReferenceConsumer()
    {
        string directory = Path.Combine(_root, "App");
        DotNetCli.Run(_root, NoAudit, "new", "console", "-n", "App", "-o", directory).EnsureSuccess();
        string itemGroup = MarkdownBlocks.All(Readme, "xml").Single(b => b.Text.Contains("OutputItemType=\"Analyzer\"", StringComparison.Ordinal)).Text;
        string project = Path.Combine(directory, "App.csproj");
        string text = File.ReadAllText(project);
        int end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        File.WriteAllText(project, text[..end] + itemGroup + Environment.NewLine + text[end..]);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), MarkdownBlocks.First(Readme, "csharp").Text);

        // The referenced projects restore from the machine's package cache, where building this repository put
        // what they need (the Roslyn and MinVer packages).
        return BuildAndRun(directory, NoAudit);
    }

    private static ConsumerProject BuildAndRun(string directory, Dictionary<string, string> environment)
    {
        CommandResult build = DotNetCli.Run(directory, environment,
            "build", "-tl:off", "-v:minimal", "--disable-build-servers", "-p:EmitCompilerGeneratedFiles=true").EnsureSuccess();
        CommandResult run = DotNetCli.Run(directory, environment, "run", "--no-build").EnsureSuccess();
        return new ConsumerProject(directory, build, run);
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

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
