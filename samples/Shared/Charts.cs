using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>PNG charts of what the samples measure, drawn with ScottPlot.</summary>
internal static class Charts
{
    /// <summary>Training and held-out loss per epoch.</summary>
    /// <param name="untrained">The held-out loss before training, drawn at epoch 0; NaN for none.</param>
    public static void LossCurve(string path, IReadOnlyList<EpochResult> history, string title, string unit, double untrained = double.NaN)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Select(e => (double)e.Epoch).ToArray();
        var training = plot.Add.Scatter(epochs, history.Select(e => e.TrainingLoss).ToArray());
        training.LegendText = "training (mean over the epoch)";
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
        plot.ShowLegend();
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
