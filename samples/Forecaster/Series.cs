using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Samples;

namespace Forecaster;

/// <summary>Several time series sampled at the same steps: <c>Values[t][c]</c>.</summary>
internal sealed class Series
{
    public Series(string[] names, double[][] values, string source)
    {
        Names = names;
        Values = values;
        Source = source;
    }

    public string[] Names { get; }

    public double[][] Values { get; }

    public string Source { get; }

    public int Length => Values.Length;

    public int Channels => Names.Length;

    /// <summary>
    /// Hourly-like signals with a daily (24-step) and a weekly (168-step) season, autocorrelated noise, and one
    /// series that follows another with a lag: what energy load, temperature or traffic data look like.
    /// </summary>
    public static Series Synthetic(int length, ulong seed)
    {
        var random = new RnnRandom(seed);
        double Noise(double sigma) => sigma * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2;
        var values = new double[length][];
        double ar = 0;
        for (int t = 0; t < length; t++)
        {
            double day = 2 * Math.PI * t / 24, week = 2 * Math.PI * t / 168;
            ar = 0.8 * ar + Noise(0.4);
            double temperature = 12 + 6 * Math.Sin(day - 2) + 2 * Math.Sin(week) + ar;
            double load = 50 + 25 * Math.Max(0, Math.Sin(day - 1)) + 10 * Math.Max(0, Math.Sin(2 * day)) - (t / 24 % 7 >= 5 ? 12 : 0) + Noise(2);
            double laggedTemperature = t >= 3 ? values[t - 3][0] : temperature;
            double heating = Math.Max(0, 18 - laggedTemperature) * 1.5 + Noise(0.5);
            values[t] = [temperature, load, heating];
        }

        return new Series(["temperature", "load", "heating"], values, $"{length:N0} steps of three generated seasonal series");
    }

    /// <summary>
    /// A CSV file: one row per time step, every numeric column a series (a header row, and non-numeric columns
    /// such as dates, are recognised and left out). Comma or semicolon separated, '.' decimals.
    /// </summary>
    public static Series FromCsv(string path)
    {
        if (!File.Exists(path)) throw new SampleArgsException($"--csv: there is no file '{path}'.");
        string[] lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length < 3) throw new SampleArgsException($"--csv: '{path}' has fewer than three rows.");
        char separator = lines[0].Count(c => c == ';') > lines[0].Count(c => c == ',') ? ';' : ',';
        string[][] cells = lines.Select(l => l.Split(separator).Select(c => c.Trim().Trim('"')).ToArray()).ToArray();
        bool header = !cells[0].Any(IsNumber);
        string[][] rows = header ? cells[1..] : cells;
        int width = rows.Min(r => r.Length);
        int[] numeric = Enumerable.Range(0, width).Where(c => rows.All(r => IsNumber(r[c]))).ToArray();
        if (numeric.Length == 0) throw new SampleArgsException($"--csv: '{path}' has no column whose every value is a number.");
        string[] names = numeric.Select(c => header && c < cells[0].Length ? cells[0][c] : $"column {c + 1}").ToArray();
        double[][] values = rows.Select(r => numeric.Select(c => double.Parse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return new Series(names, values, $"{values.Length:N0} rows of {Path.GetFileName(path)}");

        static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v);
    }

    /// <summary>Keeps the first <paramref name="channels"/> series.</summary>
    public Series Take(int channels) =>
        channels >= Channels ? this : new Series(Names[..channels], Values.Select(v => v[..channels]).ToArray(), Source);
}
