using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using LanguageModel;
using RnnGen.Training;

namespace RnnGen.Samples.Tests;

/// <summary>
/// Kills a real training process with SIGKILL at arbitrary moments while it writes checkpoints, and loads what it
/// left. The language-model sample on 60 sentences spends most of its time writing a checkpoint after every epoch,
/// so most kills land in the middle of a write.
/// </summary>
public sealed class CheckpointKillTests : TempDirectory
{
    [Fact]
    public void A_process_killed_while_writing_checkpoints_leaves_one_that_loads()
    {
        string checkpoint = PathOf("word.ckpt");
        var random = new RnnRandom(42);
        for (int kill = 0; kill < 4; kill++)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { typeof(LanguageModelSample).Assembly.Location, "--sentences", "60", "--epochs", "1000000", "--samples", "1", "--plain", "--out", Directory },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (kill > 0) start.ArgumentList.Add("--resume");
            using Process process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(10);
            Thread.Sleep(200 + random.NextInt32(400));
            Assert.False(process.HasExited, "the training process ended by itself");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();

            var model = new WordModel();
            var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.01f));
            Assert.True(trainer.TryResume(checkpoint));
            Assert.True(trainer.CompletedEpochs >= 1);
            foreach (float p in model.Parameters) Assert.True(float.IsFinite(p));
        }
    }
}
