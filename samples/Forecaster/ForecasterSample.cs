using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using RnnGen;
using RnnGen.Samples;
using RnnGen.Training;

namespace Forecaster;

/// <summary>
/// One-step-ahead forecasting of up to 8 series together: the values at steps t-47..t in, the values at
/// t+1 out, at every step, with squared error. Fewer series are padded with zeros.
/// With Batch = 8 the trainer hands each minibatch of windows to one padded-batch Backward.
/// </summary>
[RnnModel(Hidden = 32, Input = 8, Output = 8, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 48, Batch = 8)]
internal partial class LstmForecaster { }

/// <summary>The same forecaster with a GRU cell.</summary>
[RnnModel(Hidden = 32, Input = 8, Output = 8, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 48, Batch = 8)]
internal partial class GruForecaster { }

internal sealed record ForecasterOptions
{
    public string? CsvFile { get; init; }
    public bool Gru { get; init; }
    public int Length { get; init; } = 4000;
    public int Epochs { get; init; } = 30;
    public int Seed { get; init; } = 1;
    public double LearningRate { get; init; } = 0.005;
    public int BatchSize { get; init; } = 8;
    public string OutputDirectory { get; init; } = Path.Combine("out", "forecaster");
    public bool Resume { get; init; }
    public bool Live { get; init; }

    /// <summary>0: one step ahead; K: the next K steps, an encoder–decoder against the one-step model and the baselines.</summary>
    public int Horizon { get; init; }

    /// <summary>The season of the seasonal-naive forecast, in steps (24: the generated series' day).</summary>
    public int Season { get; init; } = 24;
}

/// <param name="Rmse">The model's one-step-ahead RMSE on the test steps, per series, in the data's units.</param>
/// <param name="PersistenceRmse">The naive last-value forecast's RMSE on the same steps.</param>
internal sealed record ForecasterResult(string[] Names, double[] Rmse, double[] PersistenceRmse, double RelativeRmse, int TestSteps, TrainingResult Training, string Chart);

internal static class ForecasterSample
{
    private const int Window = 48;
    private const int Channels = 8;

    public static ForecasterResult Run(ForecasterOptions options, TextWriter output, CancellationToken cancellationToken = default) =>
        options.Gru ? Run<GruForecaster>(options, "GRU", output, cancellationToken) : Run<LstmForecaster>(options, "LSTM", output, cancellationToken);

    private static ForecasterResult Run<TModel>(ForecasterOptions options, string cell, TextWriter output, CancellationToken cancellationToken)
        where TModel : class, IRnnModel<float, float, float>, new()
    {
        (Series series, float[] z, double[] mean, double[] spread, int trainEnd, int heldOutEnd) = Prepare(options, output);
        int n = series.Length, c = series.Channels;
        List<TrainingSequence<float, float>> train = Windows(z, 0, trainEnd, stride: 4);
        List<TrainingSequence<float, float>> heldOut = Windows(z, trainEnd - Window, heldOutEnd, stride: Window / 2);

        output.WriteLine($"task       from the last {Window} steps of every series, forecast the next step of every series");
        output.WriteLine($"model      {cell}, Hidden 32, {Channels} values in and out per step (unused ones zero), squared error");

        // 2. Training: Adam on minibatches of windows, early stopping on the held-out part.
        var model = new TModel();
        model.Initialize(options.Seed);
        var trainer = new Trainer<float, float, float>(model, new Adam<float>(model.Parameters.Length, (float)options.LearningRate), new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = (ulong)options.Seed,
            ClipNorm = 1,
            Patience = 4,
            CheckpointPath = Path.Combine(options.OutputDirectory, $"forecaster-{cell.ToLowerInvariant()}.ckpt"),
        });
        Directory.CreateDirectory(options.OutputDirectory);
        if (options.Resume && trainer.TryResume(trainer.Options.CheckpointPath!))
        {
            output.WriteLine($"resumed    {trainer.Options.CheckpointPath} after epoch {trainer.CompletedEpochs}");
        }

        output.WriteLine($"training   Adam (learning rate {options.LearningRate}), {train.Count:N0} windows, minibatches of {options.BatchSize} (padded batches of up to {LstmForecaster.Batch} a call); loss is squared error per step over standardised values");
        output.WriteLine();
        TrainingResult result = TrainingDisplay.Fit(trainer, train, heldOut, "step", output, options.Live, cancellationToken: cancellationToken);

        // 3. Test: for every test step t, the model reads steps t-47..t and forecasts t+1; persistence says x[t+1] = x[t].
        var prediction = new float[Window * Channels];
        var squared = new double[c];
        var naive = new double[c];
        int tests = 0;
        int plotted = Math.Min(120, n - 1 - heldOutEnd);
        double[] plotTruth = new double[plotted], plotForecast = new double[plotted], plotNaive = new double[plotted];
        for (int t = heldOutEnd; t + 1 < n; t++)
        {
            model.Predict(z.AsSpan((t - Window + 1) * Channels, Window * Channels), prediction);
            for (int j = 0; j < c; j++)
            {
                double forecast = prediction[(Window - 1) * Channels + j] * spread[j] + mean[j];
                double truth = series.Values[t + 1][j], last = series.Values[t][j];
                squared[j] += (forecast - truth) * (forecast - truth);
                naive[j] += (last - truth) * (last - truth);
                int k = t + 1 - (n - plotted);
                if (j == 0 && k >= 0)
                {
                    plotTruth[k] = truth;
                    plotForecast[k] = forecast;
                    plotNaive[k] = last;
                }
            }

            tests++;
        }

        double[] rmse = squared.Select(s => Math.Sqrt(s / tests)).ToArray();
        double[] persistence = naive.Select(s => Math.Sqrt(s / tests)).ToArray();
        // Series have different units: compare them relative to each one's persistence error, averaged.
        double relative = Enumerable.Range(0, c).Average(j => rmse[j] / persistence[j]);

        output.WriteLine();
        output.WriteLine($"one-step-ahead forecasts of the last {tests:N0} steps (never trained on):");
        output.WriteLine($"  {"series",-16} {"model RMSE",12} {"last value RMSE",16} {"ratio",7}");
        for (int j = 0; j < c; j++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Truncate(series.Names[j], 16),-16} {rmse[j],12:G4} {persistence[j],16:G4} {rmse[j] / persistence[j],7:F2}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the model's error is {100 * relative:F0}% of the naive forecast's (mean ratio over the series)"));

        string chart = Path.Combine(options.OutputDirectory, "forecast.png");
        double[] xs = Enumerable.Range(n - plotted, plotted).Select(t => (double)t).ToArray();
        Charts.Lines(chart, $"{series.Names[0]}: one step ahead, {cell}", "step", series.Names[0], xs,
            ("truth", plotTruth), ($"{cell} forecast", plotForecast), ("last value", plotNaive));
        output.WriteLine($"written    {chart} (the last {plotted} test steps of {series.Names[0]}), checkpoint {trainer.Options.CheckpointPath}");
        return new ForecasterResult(series.Names, rmse, persistence, relative, tests, result, chart);
    }

    /// <summary>
    /// The series, split in time: the first 70% to train on, the next 10% held out for early stopping, the last 20% to
    /// test the forecasts. Each series is standardised with the training part's mean and spread, and padded to the
    /// model's width: z[t * Channels + j].
    /// </summary>
    internal static (Series Series, float[] Z, double[] Mean, double[] Spread, int TrainEnd, int HeldOutEnd) Prepare(ForecasterOptions options, TextWriter output)
    {
        output.WriteLine("RnnGen time-series forecaster sample");
        Series series = options.CsvFile is { } csv ? Series.FromCsv(csv) : Series.Synthetic(options.Length, (ulong)options.Seed);
        if (series.Channels > Channels)
        {
            output.WriteLine($"note       the model takes {Channels} series; the first {Channels} of {series.Channels} are used");
            series = series.Take(Channels);
        }

        int n = series.Length, c = series.Channels;
        int trainEnd = n * 7 / 10, heldOutEnd = n * 8 / 10;
        if (trainEnd < 2 * Window || n - heldOutEnd < Window) throw new SampleArgsException($"The series has {n} steps; at least {Window * 5} are needed.");
        var mean = new double[c];
        var spread = new double[c];
        for (int j = 0; j < c; j++)
        {
            mean[j] = series.Values.Take(trainEnd).Average(v => v[j]);
            spread[j] = Math.Sqrt(series.Values.Take(trainEnd).Average(v => (v[j] - mean[j]) * (v[j] - mean[j])));
            if (spread[j] == 0) spread[j] = 1;
        }

        var z = new float[n * Channels];
        for (int t = 0; t < n; t++)
        {
            for (int j = 0; j < c; j++) z[t * Channels + j] = (float)((series.Values[t][j] - mean[j]) / spread[j]);
        }

        output.WriteLine($"data       {series.Source}: {string.Join(", ", series.Names)}");
        return (series, z, mean, spread, trainEnd, heldOutEnd);
    }

    /// <summary>Windows of <see cref="Window"/> steps ending before <paramref name="end"/>: inputs z[t], targets z[t + 1].</summary>
    internal static List<TrainingSequence<float, float>> Windows(float[] z, int start, int end, int stride)
    {
        var windows = new List<TrainingSequence<float, float>>();
        for (int t = start; t + Window + 1 <= end; t += stride)
        {
            windows.Add(new TrainingSequence<float, float>(
                z.AsMemory(t * Channels, Window * Channels), z.AsMemory((t + 1) * Channels, Window * Channels), Window));
        }

        return windows;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
