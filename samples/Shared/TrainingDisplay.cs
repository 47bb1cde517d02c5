using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using RnnGen.Training;
using Spectre.Console;

namespace RnnGen.Samples;

/// <summary>
/// Runs <see cref="Trainer{T, TInput, TTarget}.Fit"/> with a live progress display on an interactive terminal
/// (epoch, loss, throughput and an ETA, redrawn a few times a second) and a line per epoch everywhere, so the
/// same sample reads well in a terminal, in a log file and in a test.
/// </summary>
internal static class TrainingDisplay
{
    public static TrainingResult Fit<T, TInput, TTarget>(
        Trainer<T, TInput, TTarget> trainer,
        IReadOnlyList<TrainingSequence<TInput, TTarget>> training,
        IReadOnlyList<TrainingSequence<TInput, TTarget>>? heldOut,
        string unit,
        TextWriter output,
        bool live,
        LossTrace? trace = null,
        CancellationToken cancellationToken = default)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        output.WriteLine(heldOut is null
            ? $"epoch   train loss/{unit}   learning rate   {unit}/s     time"
            : $"epoch   train loss/{unit}   held-out loss/{unit}   learning rate   {unit}/s     time");
        foreach (EpochResult done in trainer.History)
        {
            output.WriteLine(Row(done, heldOut is not null, "(resumed)"));
        }

        if (!live)
        {
            trainer.Progress = trace is null ? null : trace.Observe;
            trainer.EpochCompleted = CheckpointKillPoint.Around(trainer, e => output.WriteLine(Row(e, heldOut is not null, e.Improved ? "best" : "")));
            return trainer.Fit(training, heldOut, cancellationToken);
        }

        // While the live display is up, lines go through Spectre, which prints them above it and redraws it.
        trainer.EpochCompleted = CheckpointKillPoint.Around(trainer, e => AnsiConsole.Write(new Text(Row(e, heldOut is not null, e.Improved ? "best" : "") + Environment.NewLine)));

        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                int remaining = trainer.Options.Epochs - trainer.CompletedEpochs;
                ProgressTask task = context.AddTask("starting", maxValue: Math.Max(1, remaining));
                int firstEpoch = trainer.CompletedEpochs + 1;
                long lastDraw = 0;
                trainer.Progress = p =>
                {
                    trace?.Observe(p);

                    // Throttled: a minibatch takes microseconds, the terminal a few milliseconds.
                    long now = Environment.TickCount64;
                    if (now - lastDraw < 100 && p.SequencesDone != p.Sequences) return;
                    lastDraw = now;
                    task.Value = p.Epoch - firstEpoch + (double)p.StepsDone / p.Steps;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F3}  {Rate(p.StepsPerSecond)} {unit}/s  lr {p.LearningRate:G3}");
                };
                result = trainer.Fit(training, heldOut, cancellationToken);
                task.Value = task.MaxValue;
            });
        trainer.Progress = null;
        trainer.EpochCompleted = null;
        return result!;
    }

    private static string Row(EpochResult e, bool heldOut, string note)
    {
        double perSecond = e.Duration > TimeSpan.Zero ? e.Steps / e.Duration.TotalSeconds : 0;
        return heldOut
            ? string.Create(CultureInfo.InvariantCulture, $"{e.Epoch,5}   {e.TrainingLoss,15:F3}   {e.ValidationLoss,18:F3}   {e.LearningRate,13:G4}   {Rate(perSecond),7}   {e.Duration.TotalSeconds,5:F1}s  {note}")
            : string.Create(CultureInfo.InvariantCulture, $"{e.Epoch,5}   {e.TrainingLoss,15:F3}   {e.LearningRate,13:G4}   {Rate(perSecond),7}   {e.Duration.TotalSeconds,5:F1}s  {note}");
    }

    public static string Rate(double perSecond) => perSecond switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F1}M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F0}k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:F0}"),
    };

    /// <summary>Whether a live display can be drawn: a terminal that takes cursor movement, not a pipe or a file.</summary>
    public static bool CanDrawLive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
}
