using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using LanguageModel;
using RnnGen.Training;

namespace RnnGen.Samples.Tests;

/// <summary>
/// Kills a real training process with SIGKILL in the middle of writing a checkpoint, and checks what it left: the
/// previous checkpoint, intact, and the half-written temporary file beside it. The sample pauses inside the write
/// when asked (samples/Shared/CheckpointKillPoint.cs) and says so, so the kill lands there every time, without timing.
/// </summary>
public sealed class CheckpointKillTests : TempDirectory
{
    // The sample's side of the hook (CheckpointKillPoint, compiled into every sample, so not referable from here).
    private const string PauseVariable = "RNNGEN_SAMPLE_PAUSE_IN_CHECKPOINT";
    private const string Paused = "paused writing the checkpoint of epoch ";

    // Bounds a failure (a sample that never reaches the pause) rather than timing anything.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_process_killed_while_writing_a_checkpoint_leaves_the_previous_one_intact_and_resumable()
    {
        string checkpoint = PathOf("word.ckpt"), temporary = AtomicFile.TemporaryPath(checkpoint);
        byte[] previous;
        using (Process process = Start(Directory, epochs: 3, resume: false, pauseInEpoch: 2))
        {
            string? line;
            do
            {
                line = ReadLine(process);
            }
            while (line is not null && !line.StartsWith(Paused, StringComparison.Ordinal));

            Assert.Equal(Paused + "2", line); // null: the process ended without reaching the pause
            previous = File.ReadAllBytes(checkpoint); // epoch 1's, as the paused write of epoch 2 found it
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        // The kill landed mid-write: the temporary file is left behind, half a checkpoint that does not load, and the
        // checkpoint is byte for byte what it was.
        Assert.True(File.Exists(temporary), "the killed write left no temporary file");
        Assert.InRange(new FileInfo(temporary).Length, 1, previous.Length * 3 / 4);
        Assert.Throws<InvalidDataException>(() => Trainer().LoadCheckpoint(new MemoryStream(File.ReadAllBytes(temporary))));
        Assert.Equal(previous, File.ReadAllBytes(checkpoint));

        Trainer<float, int, int> restored = Trainer();
        Assert.True(restored.TryResume(checkpoint));
        Assert.Equal(1, restored.CompletedEpochs);
        foreach (float p in restored.Model.Parameters) Assert.True(float.IsFinite(p));

        // Resumed, the sample continues after epoch 1, replaces the leftover, and ends exactly where a run that was
        // never killed ends.
        string resumedOutput = RunToEnd(Directory, resume: true);
        Assert.Contains($"resumed    {checkpoint} after epoch 1", resumedOutput);
        Assert.False(File.Exists(temporary), "the next write did not replace the leftover temporary file");
        Trainer<float, int, int> finished = Trainer();
        Assert.True(finished.TryResume(checkpoint));
        Assert.Equal(3, finished.CompletedEpochs);

        string straight = Path.Combine(Directory, "straight");
        System.IO.Directory.CreateDirectory(straight);
        RunToEnd(straight, resume: false);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "word.safetensors")), File.ReadAllBytes(PathOf("word.safetensors")));
    }

    private static Trainer<float, int, int> Trainer()
    {
        var model = new WordModel();
        return new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.01f));
    }

    private static Process Start(string directory, int epochs, bool resume, int pauseInEpoch = 0)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(LanguageModelSample).Assembly.Location, "--sentences", "60", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--samples", "1", "--plain", "--out", directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // held open: the paused sample waits on it until it is killed
        };
        if (resume) start.ArgumentList.Add("--resume");
        if (pauseInEpoch > 0) start.Environment[PauseVariable] = pauseInEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Process process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    private static string RunToEnd(string directory, bool resume)
    {
        using Process process = Start(directory, epochs: 3, resume);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(Patience), "the sample did not finish");
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"the sample exited with {process.ExitCode}:\n{output.Result}");
        return output.Result;
    }

    private static string? ReadLine(Process process)
    {
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(Patience), "the sample printed nothing for five minutes");
        return line.Result;
    }
}
