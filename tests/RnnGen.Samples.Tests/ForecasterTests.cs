using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Forecaster;

namespace RnnGen.Samples.Tests;

public sealed class ForecasterTests : TempDirectory
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_forecast_clearly_beats_the_last_value_on_every_series(bool gru)
    {
        var options = new ForecasterOptions { Gru = gru, Length = 1500, Epochs = 10, OutputDirectory = Directory };
        var output = new StringWriter();
        ForecasterResult result = ForecasterSample.Run(options, output);

        Assert.True(result.RelativeRmse < 0.7, $"model RMSE / last-value RMSE = {result.RelativeRmse:F2}\n{output}");
        for (int j = 0; j < result.Names.Length; j++)
        {
            Assert.True(result.Rmse[j] < result.PersistenceRmse[j], $"{result.Names[j]}: {result.Rmse[j]} vs {result.PersistenceRmse[j]}\n{output}");
        }

        AssertPng(result.Chart);
    }

    [Fact]
    public void An_encoder_decoder_beats_the_seasonal_naive_forecast_at_every_horizon_step()
    {
        var options = new ForecasterOptions { Horizon = 8, Length = 1500, Epochs = 8, OutputDirectory = Directory };
        var output = new StringWriter();
        HorizonResult result = HorizonForecast.Run(options, output);

        Assert.Equal(8, result.Seq2Seq.Length);
        for (int h = 0; h < result.Horizon; h++)
        {
            Assert.True(result.Seq2Seq[h] < result.SeasonalNaive[h], $"step {h + 1}: seq2seq {result.Seq2Seq[h]:F3}, seasonal naive {result.SeasonalNaive[h]:F3}\n{output}");
        }

        // The last value is good one step ahead and poor further out; the encoder-decoder is not.
        Assert.True(result.Seq2Seq[^1] < result.Naive[^1], $"{output}");
        AssertPng(result.Chart);
    }

    [Fact]
    public void A_csv_file_with_a_header_and_a_date_column_is_read()
    {
        Series source = Series.Synthetic(1200, 5);
        string csv = PathOf("data.csv");
        File.WriteAllLines(csv, new[] { "date,temperature,load" }.Concat(source.Values.Select((v, t) =>
            string.Create(CultureInfo.InvariantCulture, $"2024-01-{1 + t / 24:D2}T{t % 24:D2},{v[0]:F3},{v[1]:F3}"))));
        var output = new StringWriter();
        ForecasterResult result = ForecasterSample.Run(new ForecasterOptions { CsvFile = csv, Epochs = 6, OutputDirectory = Directory }, output);

        Assert.Equal(["temperature", "load"], result.Names);
        Assert.True(result.RelativeRmse < 0.9, $"model RMSE / last-value RMSE = {result.RelativeRmse:F2}\n{output}");
    }
}
