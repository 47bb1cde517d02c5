using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Package.Tests.Infrastructure;

namespace RnnGen.Package.Tests;

/// <summary>
/// Does once what a new user does: packs RnnGen into a folder, creates a console project with
/// <c>dotnet new</c>, adds a NuGet.config for that folder and a PackageReference, declares a model,
/// builds and runs it. The package version is unique to this run and restore uses a private
/// package cache, so a package left in a cache by an earlier run can never be picked up.
/// </summary>
public sealed class ConsumerFixture : IDisposable
{
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

    private readonly string _root;

    public ConsumerFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), "rnngen-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        try
        {
            Version = "0.0.0-e2e-" + Guid.NewGuid().ToString("N");
            Feed = Path.Combine(_root, "feed");
            ConsumerDirectory = Path.Combine(_root, "Consumer");
            Packages = Path.Combine(_root, "packages");
            Build();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The unique version packed for this run.</summary>
    public string Version { get; }

    /// <summary>The local package source: holds exactly the package just packed.</summary>
    public string Feed { get; }

    public string PackagePath => Path.Combine(Feed, $"RnnGen.{Version}.nupkg");

    public string ConsumerDirectory { get; }

    /// <summary>The consumer's private global packages folder (NUGET_PACKAGES).</summary>
    public string Packages { get; }

    public CommandResult Pack { get; private set; } = null!;

    public CommandResult ConsumerBuild { get; private set; } = null!;

    public CommandResult ConsumerRun { get; private set; } = null!;

    /// <summary>The SDK directory whose compiler built the consumer (…/sdk/10.0.401).</summary>
    public string SdkDirectory { get; private set; } = null!;

    private void Build()
    {
        string repository = RepositoryRoot();

        // The package, built in its own artifacts folder so the solution's bin/obj are neither
        // used nor disturbed (other test projects may be building at the same time).
        Pack = DotNetCli.Run(repository, null,
            "pack", Path.Combine(repository, "src", "RnnGen", "RnnGen.csproj"),
            "-c", "Release", "--artifacts-path", Path.Combine(_root, "artifacts"), "-o", Feed,
            $"-p:Version={Version}", "--disable-build-servers", "-tl:off").EnsureSuccess();

        // The user's side: only the SDK, nuget.org, and the folder with the package.
        var user = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Packages };
        DotNetCli.Run(_root, user, "new", "console", "-n", "Consumer", "-o", ConsumerDirectory).EnsureSuccess();
        File.WriteAllText(Path.Combine(ConsumerDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="rnngen-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <!-- RnnGen comes only from the local folder; everything else from the usual sources. -->
              <packageSourceMapping>
                <packageSource key="rnngen-local">
                  <package pattern="RnnGen" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        DotNetCli.Run(ConsumerDirectory, user, "add", "package", "RnnGen", "--version", Version).EnsureSuccess();
        File.WriteAllText(Path.Combine(ConsumerDirectory, "Program.cs"), ConsumerProgram);

        ConsumerBuild = DotNetCli.Run(ConsumerDirectory, user,
            "build", "-tl:off", "-v:minimal", "--disable-build-servers", "-p:EmitCompilerGeneratedFiles=true");
        ConsumerBuild.EnsureSuccess();
        ConsumerRun = DotNetCli.Run(ConsumerDirectory, user, "run", "--no-build").EnsureSuccess();

        // `dotnet --list-sdks` lines read "10.0.401 [/usr/share/dotnet/sdk]"; take the one `dotnet --version` picks here.
        string version = DotNetCli.Run(ConsumerDirectory, user, "--version").EnsureSuccess().Output.Trim();
        string sdks = DotNetCli.Run(ConsumerDirectory, user, "--list-sdks").EnsureSuccess().Output;
        string line = sdks.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(version + " [", StringComparison.Ordinal));
        SdkDirectory = Path.Combine(line[(version.Length + 2)..^1], version);
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
