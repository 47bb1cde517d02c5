using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace RnnGen.Package.Tests.Infrastructure;

/// <summary>The result of one command (dotnet or git): what was run, its exit code and everything it printed.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output)
{
    /// <summary>Throws with the command's full output unless it exited with 0.</summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"`{Command}` exited with {ExitCode}:{Environment.NewLine}{Output}");
        }

        return this;
    }
}

/// <summary>
/// Runs the dotnet CLI the way a user's shell would: the SDK on this machine, no MSBuild state
/// inherited from the test host, and no build servers left behind holding our output pipes.
/// </summary>
public static class DotNetCli
{
    /// <summary>The dotnet host running the tests, else the one on PATH.</summary>
    private static string Executable =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static CommandResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_UI_LANGUAGE"] = "en",
            // Lingering MSBuild nodes or compiler servers would inherit our pipes and outlive the command.
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
        };
        if (environment is not null)
        {
            foreach ((string name, string value) in environment)
            {
                variables[name] = value;
            }
        }

        return ProcessRunner.Run(Executable, "dotnet", workingDirectory, variables, arguments);
    }
}

/// <summary>Runs git with a fixed identity and no signing, whatever the machine's git configuration says.</summary>
public static class Git
{
    public static CommandResult Run(string workingDirectory, params string[] arguments) =>
        ProcessRunner.Run("git", "git", workingDirectory, new Dictionary<string, string>(),
            ["-c", "user.name=RnnGen tests", "-c", "user.email=tests@localhost", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", .. arguments]);
}

/// <summary>Runs a process to its end, collecting everything it prints. No time limit: a build on a busy machine takes what it takes.</summary>
internal static class ProcessRunner
{
    public static CommandResult Run(string executable, string displayName, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` runs us with MSBuild's own variables set (SDK paths, the MSBuild executable);
        // a child build must find its SDK afresh, exactly as from a terminal.
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        string command = displayName + " " + string.Join(' ', start.ArgumentList);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit(); // also drains the asynchronous readers
        return new CommandResult(command, process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
