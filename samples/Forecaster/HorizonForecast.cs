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

/// <param name="Seq2Seq">RMSE per horizon step (standardised units, over every series) of the encoder–decoder.</param>
/// <param name="Rolled">The same for the one-step model rolled forward on its own forecasts.</param>
/// <param name="Naive">The last value, repeated.</param>
/// <param name="SeasonalNaive">The value one season earlier.</param>
internal sealed record HorizonResult(int Horizon, double[] Seq2Seq, double[] Rolled, double[] Naive, double[] SeasonalNaive, int Origins, string Chart);

/// <summary>
/// <c>--horizon K</c>: forecasting the next K steps of every series at once. An encoder–decoder (two instances of the
/// forecaster's class, chained by <see cref="Seq2Seq{T, TModel, TState}"/>) is trained with scheduled sampling, and
/// compared on the test part with the one-step model rolled forward on its own forecasts, the last value and the
/// value one season earlier, per horizon step.
/// </summary>
internal static class HorizonForecast
{
    private const int Window = 48, Channels = 8;

    public static HorizonResult Run(ForecasterOptions options, TextWriter output, CancellationToken cancellationToken = default) =>
        options.Gru
            ? Run<GruForecaster, GruForecaster.State>(options, "GRU", output, cancellationToken)
            : Run<LstmForecaster, LstmForecaster.State>(options, "LSTM", output, cancellationToken);

    private static HorizonResult Run<TModel, TState>(ForecasterOptions options, string cell, TextWriter output, CancellationToken cancellationToken)
        where TModel : class, IComposableModel<float, TState>, new()
        where TState : struct
    {
        int k = options.Horizon, season = options.Season;
        if (k < 1 || k > Window)
        {
            throw new SampleArgsException($"--horizon {k}: forecast 1 to {Window} steps (the model's MaxSteps).");
        }

        (Series series, float[] z, double[] mean, double[] spread, int trainEnd, int heldOutEnd) = ForecasterSample.Prepare(options, output);
        int n = series.Length, c = series.Channels;
        output.WriteLine($"task       from the last {Window} steps of every series, forecast the next {k} steps of every series; season {season} steps");

        // 1. The one-step model, trained as without --horizon, to roll forward.
        output.WriteLine($"model      one step ahead: {cell}, Hidden 32, trained as without --horizon");
        var oneStep = new TModel();
        oneStep.Initialize(options.Seed);
        var trainer = new Trainer<float, float, float>(oneStep, new Adam<float>(oneStep.Parameters.Length, (float)options.LearningRate), new TrainerOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = (ulong)options.Seed, ClipNorm = 1, Patience = 4,
        });
        trainer.Fit(ForecasterSample.Windows(z, 0, trainEnd, stride: 4), ForecasterSample.Windows(z, trainEnd - Window, heldOutEnd, stride: Window / 2));

        // 2. The encoder–decoder: windows of 48 steps of history and K of future, Adam on both models, teacher forcing
        //    lowered from 1 to 0 over the first two thirds of the epochs (scheduled sampling), the best epoch on held-out
        //    free-running error kept.
        var encoder = new TModel();
        var decoder = new TModel();
        encoder.Initialize(options.Seed + 1);
        decoder.Initialize(options.Seed + 2);
        var seq2seq = new Seq2Seq<float, TModel, TState>(encoder, decoder);
        var adamEncoder = new Adam<float>(encoder.Parameters.Length, (float)options.LearningRate);
        var adamDecoder = new Adam<float>(decoder.Parameters.Length, (float)options.LearningRate);
        List<int> train = Origins(Window - 1, trainEnd - k, stride: 2), heldOut = Origins(Math.Max(Window - 1, trainEnd), heldOutEnd - k, stride: k);
        output.WriteLine($"model      encoder–decoder: two {cell}s, Hidden 32, the encoder's final state starts the decoder, which reads its previous forecast");
        output.WriteLine($"training   Adam (learning rate {options.LearningRate}) on both, {train.Count:N0} windows, minibatches of {options.BatchSize}, scheduled sampling");
        var random = new RnnRandom((ulong)options.Seed);
        var order = train.ToArray();
        float[] bestEncoder = encoder.Parameters.ToArray(), bestDecoder = decoder.Parameters.ToArray();
        double best = double.PositiveInfinity;
        var forecast = new float[k * Channels];
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double teacherForcing = Math.Max(0, 1 - (epoch - 1) / Math.Max(1.0, options.Epochs * 2 / 3.0));
            random.Shuffle(order.AsSpan());
            double loss = 0;
            for (int b = 0; b < order.Length; b += options.BatchSize)
            {
                encoder.ZeroGradients();
                decoder.ZeroGradients();
                int end = Math.Min(order.Length, b + options.BatchSize);
                for (int i = b; i < end; i++)
                {
                    loss += seq2seq.Backward(History(z, order[i]), Future(z, order[i], k), teacherForcing, ref random);
                }

                Gradient.ClipByNorm(encoder.Gradients, 1f);
                Gradient.ClipByNorm(decoder.Gradients, 1f);
                adamEncoder.Step(encoder.Parameters, encoder.Gradients);
                adamDecoder.Step(decoder.Parameters, decoder.Gradients);
            }

            double heldOutError = 0;
            foreach (int t in heldOut)
            {
                seq2seq.Forecast(History(z, t), forecast);
                heldOutError += SquaredError(forecast, Future(z, t, k), c);
            }

            heldOutError /= heldOut.Count * k * c;
            bool improved = heldOutError < best;
            if (improved)
            {
                best = heldOutError;
                encoder.Parameters.CopyTo(bestEncoder);
                decoder.Parameters.CopyTo(bestDecoder);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  teacher forcing {teacherForcing:F2}  train loss/step {loss / (order.Length * k):F4}  held-out free-running MSE {heldOutError:F4}{(improved ? "  *" : "")}"));
        }

        bestEncoder.CopyTo(encoder.Parameters);
        bestDecoder.CopyTo(decoder.Parameters);

        // 3. Test: every origin t of the test part forecasts t+1..t+K four ways; errors per horizon step, standardised
        //    units, over every series.
        List<int> origins = Origins(heldOutEnd, n - 1 - k, stride: 1);
        var errors = new double[4, k];
        var rolled = new float[k * Channels];
        var window = new float[Window * Channels];
        var prediction = new float[Window * Channels];
        int plotted = Math.Min(120, (n - 1 - heldOutEnd) / k * k);
        int plotStart = n - 1 - plotted;
        var plot = new double[4][];
        for (int p = 0; p < 4; p++) plot[p] = Enumerable.Repeat(double.NaN, plotted).ToArray();
        double[] truthLine = Enumerable.Range(plotStart + 1, plotted).Select(t => series.Values[t][0]).ToArray();
        foreach (int t in origins)
        {
            seq2seq.Forecast(History(z, t), forecast);
            Roll(oneStep, z, t, k, window, prediction, rolled);
            for (int h = 0; h < k; h++)
            {
                for (int j = 0; j < c; j++)
                {
                    double truth = z[(t + 1 + h) * Channels + j];
                    double seasonal = z[(t + 1 + h - season * ((h + season) / season)) * Channels + j];
                    double[] guesses = [forecast[h * Channels + j], rolled[h * Channels + j], z[t * Channels + j], seasonal];
                    for (int m = 0; m < 4; m++) errors[m, h] += (guesses[m] - truth) * (guesses[m] - truth);
                    int at = t + 1 + h - (plotStart + 1);
                    if (j == 0 && (t - plotStart) % k == 0 && at >= 0 && at < plotted)
                    {
                        for (int m = 0; m < 4; m++) plot[m][at] = guesses[m] * spread[0] + mean[0];
                    }
                }
            }
        }

        double[] Rmse(int m) => Enumerable.Range(0, k).Select(h => Math.Sqrt(errors[m, h] / (origins.Count * c))).ToArray();
        double[] s2s = Rmse(0), roll = Rmse(1), naive = Rmse(2), seasonalNaive = Rmse(3);
        output.WriteLine();
        output.WriteLine($"forecasts of the next {k} steps from each of the last {origins.Count:N0} steps (never trained on); RMSE in standard deviations, every series:");
        output.WriteLine($"  {"step",4} {"seq2seq",9} {"rolled one-step",16} {"last value",11} {$"season ({season})",13}");
        for (int h = 0; h < k; h++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {h + 1,4} {s2s[h],9:F3} {roll[h],16:F3} {naive[h],11:F3} {seasonalNaive[h],13:F3}"));
        }

        string chart = Path.Combine(options.OutputDirectory, $"horizon-{k}.png");
        double[] xs = Enumerable.Range(plotStart + 1, plotted).Select(t => (double)t).ToArray();
        Charts.Lines(chart, $"{series.Names[0]}: {k}-step forecasts from every {k}th step, {cell}", "step", series.Names[0], xs,
            ("truth", truthLine), ("seq2seq", plot[0]), ("rolled one-step", plot[1]), ($"season ({season})", plot[3]));
        output.WriteLine($"written    {chart}");
        return new HorizonResult(k, s2s, roll, naive, seasonalNaive, origins.Count, chart);
    }

    private static List<int> Origins(int from, int to, int stride)
    {
        var origins = new List<int>();
        for (int t = from; t <= to; t += stride) origins.Add(t);
        return origins;
    }

    /// <summary>Steps t-47..t: what the forecast at origin t reads.</summary>
    private static ReadOnlySpan<float> History(float[] z, int t) => z.AsSpan((t - Window + 1) * Channels, Window * Channels);

    private static ReadOnlySpan<float> Future(float[] z, int t, int k) => z.AsSpan((t + 1) * Channels, k * Channels);

    private static double SquaredError(ReadOnlySpan<float> forecast, ReadOnlySpan<float> truth, int series)
    {
        double sum = 0;
        for (int i = 0; i < forecast.Length; i++)
        {
            if (i % Channels < series) sum += (forecast[i] - truth[i]) * (double)(forecast[i] - truth[i]);
        }

        return sum;
    }

    /// <summary>The one-step model rolled forward: each forecast appended to the window the next one reads.</summary>
    private static void Roll<TModel>(TModel model, float[] z, int t, int k, float[] window, float[] prediction, float[] rolled)
        where TModel : IRnnModel<float, float, float>
    {
        History(z, t).CopyTo(window);
        for (int h = 0; h < k; h++)
        {
            model.Predict(window, prediction);
            ReadOnlySpan<float> next = prediction.AsSpan((Window - 1) * Channels, Channels);
            next.CopyTo(rolled.AsSpan(h * Channels, Channels));
            Array.Copy(window, Channels, window, 0, (Window - 1) * Channels);
            next.CopyTo(window.AsSpan((Window - 1) * Channels, Channels));
        }
    }
}
