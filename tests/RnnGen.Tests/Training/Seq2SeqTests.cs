using System;
using System.Linq;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

[RnnModel(Hidden = 6, Input = 2, Output = 2, Cell = CellType.Lstm, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 12, Precision = Precision.Double)]
public partial class Seq2SeqLstm { }

[RnnModel(Hidden = 5, Input = 2, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 12)]
public partial class Seq2SeqGru { }

[RnnModel(Hidden = 4, Input = 3, Output = 2, Loss = Loss.SquaredError, MaxSteps = 12)]
public partial class Seq2SeqMismatched { }

/// <summary>
/// The encoder–decoder against finite differences (double): with teacher forcing every step reads the truth, so the loss
/// is a plain function of both models' parameters and Backward must give its gradient, the encoder's through the state
/// it hands on. Free running must forecast what the decoder's own steps give, and nothing may allocate.
/// </summary>
public class Seq2SeqTests
{
    private static readonly double[] History = Enumerable.Range(0, 7 * 2).Select(i => Math.Sin(0.7 * i)).ToArray();
    private static readonly double[] Future = Enumerable.Range(0, 4 * 2).Select(i => Math.Cos(0.5 * i) * 0.8).ToArray();

    /// <summary>The teacher-forced loss, computed without Seq2Seq: encoder over the history, decoder from its state over [last row; truth].</summary>
    private static double ForcedLoss(Seq2SeqLstm encoder, Seq2SeqLstm decoder)
    {
        var state = default(Seq2SeqLstm.State);
        encoder.Predict(History, new double[History.Length], ref state);
        double[] inputs = History[^2..].Concat(Future[..^2]).ToArray();
        return decoder.Forward(inputs, Future, ref state);
    }

    [Fact]
    public void TeacherForcedGradientsOfBothModelsMatchFiniteDifferences()
    {
        var encoder = new Seq2SeqLstm();
        var decoder = new Seq2SeqLstm();
        encoder.Initialize(1);
        decoder.Initialize(2);
        var seq2seq = new Seq2Seq<double, Seq2SeqLstm, Seq2SeqLstm.State>(encoder, decoder);
        encoder.ZeroGradients();
        decoder.ZeroGradients();
        var random = new RnnRandom(3);
        double loss = seq2seq.Backward(History, Future, teacherForcing: 1, ref random);
        Assert.Equal(ForcedLoss(encoder, decoder), loss, 1e-12);

        foreach (Seq2SeqLstm model in new[] { encoder, decoder })
        {
            double[] analytic = model.Gradients.ToArray();
            int checkedEntries = 0;
            for (int i = 0; i < analytic.Length; i += 7)
            {
                double p = model.Parameters[i];
                model.Parameters[i] = p + 1e-6;
                double up = ForcedLoss(encoder, decoder);
                model.Parameters[i] = p - 1e-6;
                double down = ForcedLoss(encoder, decoder);
                model.Parameters[i] = p;
                double numeric = (up - down) / 2e-6;
                if (numeric == 0 && analytic[i] == 0)
                {
                    continue; // padding
                }

                checkedEntries++;
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{(model == encoder ? "encoder" : "decoder")} parameter {i}: {analytic[i]:R}, finite difference {numeric:R}");
            }

            Assert.True(checkedEntries > 50, $"only {checkedEntries} entries checked");
            Assert.Contains(analytic, g => g != 0);
        }
    }

    [Fact]
    public void FreeRunningTrainingScoresTheForecastItsOwnStepsMake()
    {
        var encoder = new Seq2SeqGru();
        var decoder = new Seq2SeqGru();
        encoder.Initialize(4);
        decoder.Initialize(5);
        var seq2seq = new Seq2Seq<float, Seq2SeqGru, Seq2SeqGru.State>(encoder, decoder);
        float[] history = History.Select(v => (float)v).ToArray(), future = Future.Select(v => (float)v).ToArray();
        var forecast = new float[future.Length];
        Assert.Equal(future.Length, seq2seq.Forecast(history, forecast));
        double expected = forecast.Zip(future, (f, y) => (double)(f - y) * (f - y)).Sum();
        var random = new RnnRandom(6);
        Assert.Equal(expected, seq2seq.Backward(history, future, teacherForcing: 0, ref random), 1e-4);

        // And it learns: a hundred Adam steps on one window cut the free-running error.
        var adamEncoder = new Adam<float>(encoder.Parameters.Length, 0.02f);
        var adamDecoder = new Adam<float>(decoder.Parameters.Length, 0.02f);
        for (int i = 0; i < 100; i++)
        {
            encoder.ZeroGradients();
            decoder.ZeroGradients();
            seq2seq.Backward(history, future, teacherForcing: 0.5, ref random);
            adamEncoder.Step(encoder.Parameters, encoder.Gradients);
            adamDecoder.Step(decoder.Parameters, decoder.Gradients);
        }

        seq2seq.Forecast(history, forecast);
        double after = forecast.Zip(future, (f, y) => (double)(f - y) * (f - y)).Sum();
        Assert.True(after < expected / 10, $"free-running error {expected} -> {after}");
    }

    [Fact]
    public void ArgumentsAreCheckedAndNothingAllocates()
    {
        var encoder = new Seq2SeqGru();
        var decoder = new Seq2SeqGru();
        Assert.Throws<ArgumentException>(() => new Seq2Seq<float, Seq2SeqGru, Seq2SeqGru.State>(encoder, encoder));
        Assert.Throws<ArgumentException>(() => new Seq2Seq<float, Seq2SeqMismatched, Seq2SeqMismatched.State>(new Seq2SeqMismatched(), new Seq2SeqMismatched()));
        var seq2seq = new Seq2Seq<float, Seq2SeqGru, Seq2SeqGru.State>(encoder, decoder);
        var random = new RnnRandom(1);
        float[] history = new float[10], future = new float[6], forecast = new float[6];
        var e = Assert.Throws<ArgumentException>(() => seq2seq.Backward(history.AsSpan(0, 9), future, 1, ref random));
        Assert.Equal("history", e.ParamName);
        Assert.Throws<ArgumentException>(() => seq2seq.Backward(history, new float[26], 1, ref random));
        Assert.Throws<ArgumentOutOfRangeException>(() => seq2seq.Backward(history, future, 1.5, ref random));
        Assert.Throws<ArgumentException>(() => seq2seq.Forecast(history, forecast.AsSpan(0, 5)));

        foreach (Action call in new Action[] { () => seq2seq.Backward(history, future, 0.5, ref random), () => seq2seq.Forecast(history, forecast) })
        {
            Assert.Equal(0, Allocations.Least(call));
        }
    }
}
