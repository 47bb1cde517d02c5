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
