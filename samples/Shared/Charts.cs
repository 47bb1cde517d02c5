using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>
/// The training loss between progress reports, so the chart shows it falling within an epoch too: each point is
/// the mean loss per step over about a twentieth of an epoch.
/// </summary>
internal sealed class LossTrace
{
    private double _lastSum;
    private long _lastSteps;
    private int _lastEpoch;

    public List<double> Epochs { get; } = [];

    public List<double> Losses { get; } = [];

    public void Observe(TrainingProgress p)
    {
        if (p.Epoch != _lastEpoch)
        {
            (_lastEpoch, _lastSum, _lastSteps) = (p.Epoch, 0, 0);
        }

        double sum = p.Loss * p.StepsDone;
        if (p.StepsDone - _lastSteps >= p.Steps / 20 || p.StepsDone == p.Steps)
        {
            Epochs.Add(p.Epoch - 1 + (double)p.StepsDone / p.Steps);
            Losses.Add((sum - _lastSum) / (p.StepsDone - _lastSteps));
            (_lastSum, _lastSteps) = (sum, p.StepsDone);
        }
    }
}

/// <summary>PNG charts of what the samples measure, drawn with ScottPlot.</summary>
internal static class Charts
{
    /// <summary>Training and held-out loss per epoch.</summary>
    /// <param name="untrained">The held-out loss before training, drawn at epoch 0; NaN for none.</param>
    /// <param name="trace">The training loss within the epochs of this run; <see langword="null"/> to draw one point per epoch.</param>
    public static void LossCurve(string path, IReadOnlyList<EpochResult> history, string title, string unit, double untrained = double.NaN, LossTrace? trace = null)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Select(e => (double)e.Epoch).ToArray();
        if (trace is { Losses.Count: > 1 })
        {
            var training = plot.Add.Scatter(trace.Epochs.ToArray(), trace.Losses.ToArray());
            training.LegendText = "training";
            training.MarkerSize = 0;
        }
        else
        {
            var training = plot.Add.Scatter(epochs, history.Select(e => e.TrainingLoss).ToArray());
            training.LegendText = "training (mean over the epoch)";
        }

        if (history.Any(e => !double.IsNaN(e.ValidationLoss)))
        {
            double[] heldOutEpochs = double.IsNaN(untrained) ? epochs : [0, .. epochs];
            double[] heldOutLosses = double.IsNaN(untrained) ? history.Select(e => e.ValidationLoss).ToArray() : [untrained, .. history.Select(e => e.ValidationLoss)];
            var heldOut = plot.Add.Scatter(heldOutEpochs, heldOutLosses);
            heldOut.LegendText = "held out (after the epoch)";
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel($"cross-entropy per {unit}");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        Save(plot, path);
    }

    /// <summary>Several series over a shared x axis, e.g. a forecast against the truth.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, double[] xs, params (string Label, double[] Values)[] series)
    {
        var plot = new ScottPlot.Plot();
        foreach ((string label, double[] values) in series)
        {
            var line = plot.Add.Scatter(xs, values);
            line.LegendText = label;
            line.MarkerSize = 0;
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend();
        Save(plot, path);
    }

    private static void Save(ScottPlot.Plot plot, string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, 900, 520);
    }
}
