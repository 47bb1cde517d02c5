using System;
using System.Runtime.Intrinsics;
using RnnGen.Runtime;

namespace RnnGen.Tests;

/// <summary>
/// The error bounds VectorMath documents, at every vector width (each runs in software when the hardware lacks
/// it, and CI runs this class again without AVX-512 and without hardware intrinsics).
/// </summary>
public class VectorMathTests
{
    // ln 2^-126 and ln float.MaxValue: between them exp is a normal float.
    private const float Low = -87.33654f, High = 88.72283f;

    public static TheoryData<int> Widths => new() { 128, 256, 512 };

    /// <summary>Applies f lane by lane to xs at the given width (a whole number of 512-bit blocks).</summary>
    private static T[] Apply<T>(int width, T[] xs, Func<Vector128<T>, Vector128<T>> f128,
        Func<Vector256<T>, Vector256<T>> f256, Func<Vector512<T>, Vector512<T>> f512)
    {
        var ys = new T[xs.Length];
        int lanes = Vector128<T>.Count * width / 128;
        for (int i = 0; i < xs.Length; i += lanes)
        {
            var x = xs.AsSpan(i, lanes);
            var y = ys.AsSpan(i, lanes);
            switch (width)
            {
                case 128: f128(Vector128.Create<T>(x)).CopyTo(y); break;
                case 256: f256(Vector256.Create<T>(x)).CopyTo(y); break;
                default: f512(Vector512.Create<T>(x)).CopyTo(y); break;
            }
        }

        return ys;
    }

    private static float[] Exp(int width, float[] xs) => Apply(width, xs, VectorMath.Exp, VectorMath.Exp, VectorMath.Exp);

    /// <summary>Evenly spaced points from lo to hi, a multiple of 16 of them.</summary>
    private static float[] Sweep(float lo, float hi, int count)
    {
        var xs = new float[count];
        for (int i = 0; i < count; i++) xs[i] = lo + (hi - lo) * i / (count - 1);
        return xs;
    }

    /// <summary>Units in the last place of a float at the true value t (a normal float's spacing there).</summary>
    private static double Ulps(float result, double truth) =>
        Math.Abs(result - truth) / Math.Pow(2, Math.Floor(Math.Log2(truth)) - 23);

    [Theory]
    [MemberData(nameof(Widths))]
    public void SinglePrecisionExpIsWithinOnePointTwoUlpWhereverTheResultIsNormal(int width)
    {
        float[] xs = Sweep(Low, High, 1 << 20);
        float[] ys = Exp(width, xs);
        double worst = 0;
        for (int i = 0; i < xs.Length; i++) worst = Math.Max(worst, Ulps(ys[i], Math.Exp(xs[i])));
        Assert.InRange(worst, 0, 1.2);

        // Small arguments, where exp(x) ≈ 1 + x and a careless reduction loses x.
        xs = Sweep(-1e-3f, 1e-3f, 1 << 14);
        ys = Exp(width, xs);
        for (int i = 0; i < xs.Length; i++) Assert.InRange(Ulps(ys[i], Math.Exp(xs[i])), 0, 1.2);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SinglePrecisionExpHandlesTheEdges(int width)
    {
        float[] xs = new float[16];
        float[] special = { 0f, 1f, -100f, 100f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, High, Low, -87.5f, 88.8f, -0f };
        special.CopyTo(xs, 0);
        float[] ys = Exp(width, xs);
        Assert.Equal(1f, ys[0]);
        Assert.Equal(MathF.E, ys[1]);
        Assert.Equal(0f, ys[2]);
        Assert.Equal(float.PositiveInfinity, ys[3]);
        Assert.Equal(0f, ys[4]);
        Assert.Equal(float.PositiveInfinity, ys[5]);
        Assert.True(float.IsNaN(ys[6]));
        Assert.True(float.IsFinite(ys[7]) && ys[7] > 3.4e38f, $"exp({High}) = {ys[7]}");
        Assert.True(float.IsNormal(ys[8]), $"exp({Low}) = {ys[8]}");
        Assert.Equal(0f, ys[9]);
        Assert.Equal(float.PositiveInfinity, ys[10]);
        Assert.Equal(1f, ys[11]);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SinglePrecisionTanhAndSigmoidAreWithinTwoTenMillionthsEverywhere(int width)
    {
        float[] xs = Sweep(-20f, 20f, 1 << 18);
        float[] tanh = Apply(width, xs, VectorMath.Tanh, VectorMath.Tanh, VectorMath.Tanh);
        float[] sigmoid = Apply(width, xs, VectorMath.Sigmoid, VectorMath.Sigmoid, VectorMath.Sigmoid);
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.InRange(Math.Abs(tanh[i] - Math.Tanh(xs[i])), 0, 2e-7);
            Assert.InRange(Math.Abs(sigmoid[i] - 1 / (1 + Math.Exp(-(double)xs[i]))), 0, 2e-7);
        }

        float[] far = new float[16];
        float[] ends = { -1e4f, 1e4f, float.NegativeInfinity, float.PositiveInfinity, -0f };
        ends.CopyTo(far, 0);
        tanh = Apply(width, far, VectorMath.Tanh, VectorMath.Tanh, VectorMath.Tanh);
        sigmoid = Apply(width, far, VectorMath.Sigmoid, VectorMath.Sigmoid, VectorMath.Sigmoid);
        Assert.Equal(new[] { -1f, 1f, -1f, 1f }, tanh[..4]);
        Assert.Equal(new[] { 0f, 1f, 0f, 1f }, sigmoid[..4]);
        Assert.Equal(0.5f, sigmoid[4]);
    }

    private static double[] Exp(int width, double[] xs) => Apply(width, xs, VectorMath.Exp, VectorMath.Exp, VectorMath.Exp);

    /// <summary>Units in the last place of a double at the true value t.</summary>
    private static double Ulps(double result, double truth) =>
        Math.Abs(result - truth) / Math.Pow(2, Math.Floor(Math.Log2(truth)) - 52);

    [Theory]
    [MemberData(nameof(Widths))]
    public void DoublePrecisionExpIsWithinOneUlpOfTheRuntimesWhereverTheResultIsNormal(int width)
    {
        const double low = -708.3964185322641, high = 709.782712893384;
        var xs = new double[1 << 20];
        for (int i = 0; i < xs.Length; i++) xs[i] = low + (high - low) * i / (xs.Length - 1);
        double[] ys = Exp(width, xs);
        double worst = 0;
        for (int i = 0; i < xs.Length; i++) worst = Math.Max(worst, Ulps(ys[i], Math.Exp(xs[i])));
        Assert.InRange(worst, 0, 1.0);

        for (int i = 0; i < xs.Length; i++) xs[i] = -1e-3 + 2e-3 * i / (xs.Length - 1);
        ys = Exp(width, xs);
        for (int i = 0; i < xs.Length; i++) Assert.InRange(Ulps(ys[i], Math.Exp(xs[i])), 0, 1.0);

        double[] special = { 0, 1, -800, 800, double.NegativeInfinity, double.PositiveInfinity, double.NaN, -0.0 };
        ys = Exp(width, special);
        Assert.Equal(new[] { 1.0, 0, double.PositiveInfinity, 0, double.PositiveInfinity }, new[] { ys[0], ys[2], ys[3], ys[4], ys[5] });
        Assert.InRange(Ulps(ys[1], Math.E), 0, 1.0); // not always the nearest double: e comes out one above
        Assert.True(double.IsNaN(ys[6]));
        Assert.Equal(1, ys[7]);
        ys = Exp(width, new[] { high, low, high, low, high, low, high, low });
        Assert.True(double.IsFinite(ys[0]) && ys[0] > 1.79e308, $"exp({high}) = {ys[0]}");
        Assert.True(double.IsNormal(ys[1]), $"exp({low}) = {ys[1]}");
    }

    [Fact]
    public void DoublePrecisionTanhIsWithinFourTenthsOfAQuadrillionth()
    {
        double worst = 0;
        for (int i = 0; i < 1 << 18; i++)
        {
            double x = -20 + 40.0 * i / ((1 << 18) - 1);
            var v512 = VectorMath.Tanh(Vector512.Create(x));
            var v256 = VectorMath.Tanh(Vector256.Create(x));
            var v128 = VectorMath.Tanh(Vector128.Create(x));
            double truth = Math.Tanh(x);
            worst = Math.Max(worst, Math.Max(Math.Abs(v512[0] - truth), Math.Max(Math.Abs(v256[0] - truth), Math.Abs(v128[0] - truth))));
        }

        Assert.InRange(worst, 0, 4e-16);
    }

    [Fact]
    public void SumTilePutsRowIColumnJInLaneFourIPlusJ()
    {
        var random = new Random(16);
        var tile = new Vector512<float>[16];
        for (int t = 0; t < 16; t++)
        {
            var lanes = new float[16];
            for (int l = 0; l < 16; l++) lanes[l] = (float)(random.NextDouble() * 2 - 1) * (t + 1);
            tile[t] = Vector512.Create<float>(lanes);
        }

        var sums = VectorMath.SumTile(tile[0], tile[1], tile[2], tile[3], tile[4], tile[5], tile[6], tile[7],
            tile[8], tile[9], tile[10], tile[11], tile[12], tile[13], tile[14], tile[15]);
        for (int t = 0; t < 16; t++)
        {
            double truth = 0;
            for (int l = 0; l < 16; l++) truth += tile[t][l];
            Assert.Equal(truth, sums[t], 1e-5 * (t + 1));
        }
    }

    [Fact]
    public void SumRowPutsColumnJInLaneJ()
    {
        var random = new Random(17);
        var row = new Vector256<float>[4];
        for (int j = 0; j < 4; j++)
        {
            var lanes = new float[8];
            for (int l = 0; l < 8; l++) lanes[l] = (float)(random.NextDouble() * 2 - 1) * (j + 1);
            row[j] = Vector256.Create<float>(lanes);
        }

        var sums = VectorMath.SumRow(row[0], row[1], row[2], row[3]);
        for (int j = 0; j < 4; j++)
        {
            double truth = 0;
            for (int l = 0; l < 8; l++) truth += row[j][l];
            Assert.Equal(truth, sums[j], 1e-5 * (j + 1));
        }
    }
}
