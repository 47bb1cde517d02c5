using System;
using System.Numerics;
using RnnGen.Runtime;

namespace RnnGen.Tests.Kernels;

// Shapes that exercise every path of the runtime's products: constant and run-time extents, remainder tiles, panels
// in column order and in halves, parts of the columns, every start and finish, wide tiles, and long chunked dot
// products. Sizes are small and odd where they may be, so remainders occur at every width.
internal readonly struct PlainRows : IBroadcastProduct { public static int M => 0; public static int K => 37; public static int N => 96; public static int AStrideM => 48; public static int AStrideK => 1; public static int BStride => 96; public static int CStride => 112; public static ProductStart Start => ProductStart.Row; public static bool WideTiles => true; }
internal readonly struct GradientsIntoPanels : IBroadcastProduct { public static int M => 13; public static int K => 0; public static int N => 128; public static int AStrideM => 1; public static int AStrideK => 16; public static int BStride => 128; public static int CPanel => 32; }
internal readonly struct StepWithTanh : IBroadcastProduct { public static int M => 1; public static int K => 12; public static int N => 64; public static int AStrideM => 0; public static int AStrideK => 1; public static int BStride => 64; public static ProductStart Start => ProductStart.ThreeRows; public static ProductFinish Finish => ProductFinish.Tanh; }
internal readonly struct LongStepWithRelu : IBroadcastProduct { public static int M => 1; public static int K => 100; public static int N => 16; public static int AStrideM => 0; public static int AStrideK => 1; public static int BStride => 16; public static ProductStart Start => ProductStart.ThreeRows; public static ProductFinish Finish => ProductFinish.Relu; }
internal readonly struct SplitStep : IBroadcastProduct { public static int M => 1; public static int K => 40; public static int N => 128; public static int AStrideM => 0; public static int AStrideK => 1; public static int BPanel => 16; public static int BPanelGroups => 4; public static int PartColumns => 16; public static int GroupColumns => 32; public static ProductStart Start => ProductStart.Row; }
internal readonly struct SplitInput : IBroadcastProduct { public static int M => 0; public static int K => 9; public static int N => 128; public static int AStrideM => 9; public static int AStrideK => 1; public static int BStride => 128; public static int CStride => 128; public static int PartColumns => 16; public static int GroupColumns => 32; public static ProductStart Start => ProductStart.Zero; }
internal readonly struct PanelledHead : IBroadcastProduct { public static int M => 0; public static int K => 20; public static int N => 320; public static int AStrideM => 32; public static int AStrideK => 1; public static int BStride => 320; public static int CStride => 320; public static int BPanel => 64; public static ProductStart Start => ProductStart.Row; public static bool WideTiles => true; }
internal readonly struct DotPlain : IDotProduct { public static int M => 0; public static int N => 7; public static int K => 48; public static int AStride => 48; public static int BStride => 64; public static int CStride => 9; public static bool WideTiles => true; }
internal readonly struct DotConstantRows : IDotProduct { public static int M => 3; public static int N => 5; public static int K => 32; public static int AStride => 32; public static int BStride => 32; public static int CStride => 5; }
internal readonly struct DotChunked : IDotProduct { public static int M => 0; public static int N => 6; public static int K => 2400; public static int AStride => 2400; public static int BStride => 2400; public static int CStride => 8; public static int BPanel => 240; public static bool WideTiles => true; }
internal readonly struct DotChunkedRows : IDotProduct { public static int M => 0; public static int N => 4; public static int K => 2112; public static int AStride => 2112; public static int BStride => 2112; public static int CStride => 4; }
internal readonly struct DefaultStrides : IBroadcastProduct { public static int M => 5; public static int K => 11; public static int N => 48; public static int AStrideM => 11; }
internal readonly struct DotDefaultStrides : IDotProduct { public static int M => 0; public static int N => 6; public static int K => 32; public static int CStride => 6; }
internal readonly struct DotPanelsInHalves : IDotProduct { public static int M => 0; public static int N => 10; public static int K => 128; public static int AStride => 128; public static int CStride => 16; public static int BPanel => 16; public static int BPanelGroups => 4; }

/// <summary>
/// The runtime's products against plain loops in double precision, for shapes that reach every path, in float and
/// double. CI runs this class again without AVX-512, without AVX and without hardware intrinsics, so every vector
/// width is checked.
/// </summary>
public class ProductTests
{
    private static T[] Random<T>(int count, int seed)
        where T : IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Index of element (row, column) of a [rows, columns] matrix stored in column panels in the given order.</summary>
    private static int Stored(int row, int column, int rows, int columns, int panel, int groups) => panel <= 0 || panel >= columns
        ? -1
        : (int)PanelOrder.Slot((nuint)(column / panel), columns / panel, groups) * rows * panel + row * panel + column % panel;

    private static void Compare<T>(double[] expected, T[] actual, Func<int, bool> checkedIndex, double tolerance)
        where T : IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!checkedIndex(i))
            {
                Assert.Equal(expected[i], double.CreateTruncating(actual[i]));
                continue;
            }

            double scale = Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - double.CreateTruncating(actual[i])) <= tolerance * scale,
                $"element {i}: expected {expected[i]:R}, got {actual[i]}");
        }
    }

    private static double Tolerance<T>() => typeof(T) == typeof(float) ? 2e-5 : 1e-13;

    /// <summary>Runs a broadcast product of shape S and checks every element of C, padding and untouched columns included.</summary>
    private static void CheckBroadcast<T, S>(int rows, int depth, Action<T[], T[], T[], T[], T[], T[]> run, int part = -1)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct
    {
        int m = S.M > 0 ? S.M : rows, k = S.K > 0 ? S.K : depth, n = S.N;
        int bStride = S.BStride > 0 ? S.BStride : n; // 0 (the default) stands for rows of N
        T[] a = Random<T>((m + 1) * Math.Max(1, S.AStrideM) + k * S.AStrideK + 64, 1);
        T[] logicalB = Random<T>(k * n, 2);
        int bPanel = S.BPanel > 0 && S.BPanel < n ? S.BPanel : 0, cPanel = S.CPanel > 0 && S.CPanel < n ? S.CPanel : 0;
        T[] b = new T[Math.Max(k * n, k * bStride) + 64];
        for (int r = 0; r < k; r++)
            for (int col = 0; col < n; col++)
                b[bPanel > 0 ? Stored(r, col, k, n, bPanel, S.BPanelGroups) : r * bStride + col] = logicalB[r * n + col];

        int cStride = cPanel > 0 ? n : Math.Max(S.CStride, n);
        T[] c0 = Random<T>(m * cStride + 64, 3), c = (T[])c0.Clone();
        T[] x = Random<T>(n, 4), y = Random<T>(n, 5), z = Random<T>(n, 6);
        run(a, b, c, x, y, z);

        int CAt(int row, int column) => cPanel > 0 ? Stored(row, column, m, n, cPanel, S.CPanelGroups) : row * cStride + column;
        double[] expected = Array.ConvertAll(c0, v => double.CreateTruncating(v));
        var written = new bool[c0.Length];
        for (int row = 0; row < m; row++)
        {
            for (int column = 0; column < n; column++)
            {
                if (part >= 0 && column % S.GroupColumns / S.PartColumns != part)
                {
                    continue;
                }

                double sum = S.Start switch
                {
                    ProductStart.Accumulate => double.CreateTruncating(c0[CAt(row, column)]),
                    ProductStart.Zero => 0,
                    ProductStart.Row => double.CreateTruncating(x[column]),
                    _ => double.CreateTruncating(x[column]) + double.CreateTruncating(y[column]) + double.CreateTruncating(z[column]),
                };
                for (int j = 0; j < k; j++)
                {
                    sum += double.CreateTruncating(a[row * S.AStrideM + j * S.AStrideK]) * double.CreateTruncating(logicalB[j * n + column]);
                }

                expected[CAt(row, column)] = S.Finish switch { ProductFinish.Tanh => Math.Tanh(sum), ProductFinish.Relu => Math.Max(sum, 0), _ => sum };
                written[CAt(row, column)] = true;
            }
        }

        Compare(expected, c, i => written[i], Tolerance<T>() * (S.Finish == ProductFinish.Tanh ? 10 : 1));
    }

    private static void CheckDot<T, S>(int rows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IDotProduct
    {
        int m = S.M > 0 ? S.M : rows, k = S.K, n = S.N;
        int aStride = S.AStride > 0 ? S.AStride : k, bStride = S.BStride > 0 ? S.BStride : k; // 0 (the default) stands for rows of K
        T[] a = Random<T>(m * aStride + 64, 1);
        T[] logicalB = Random<T>(n * k, 2);
        int bPanel = S.BPanel > 0 && S.BPanel < k ? S.BPanel : 0;
        T[] b = new T[Math.Max(n * k, n * bStride) + 64];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < k; j++)
                b[bPanel > 0 ? Stored(r, j, n, k, bPanel, S.BPanelGroups) : r * bStride + j] = logicalB[r * k + j];

        T[] c0 = Random<T>(m * S.CStride + 64, 3), c = (T[])c0.Clone();
        DotProduct.Run<T, S>(ref a[0], ref b[0], ref c[0], rows);
        double[] expected = Array.ConvertAll(c0, v => double.CreateTruncating(v));
        var written = new bool[c0.Length];
        for (int row = 0; row < m; row++)
        {
            for (int column = 0; column < n; column++)
            {
                double sum = double.CreateTruncating(c0[row * S.CStride + column]);
                for (int j = 0; j < k; j++)
                {
                    sum += double.CreateTruncating(a[row * aStride + j]) * double.CreateTruncating(logicalB[column * k + j]);
                }

                expected[row * S.CStride + column] = sum;
                written[row * S.CStride + column] = true;
            }
        }

        Compare(expected, c, i => written[i], Tolerance<T>() * Math.Sqrt(k));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(23)]
    public void PlainRowsWithABias(int rows)
    {
        CheckBroadcast<float, PlainRows>(rows, 0, (a, b, c, x, _, _) => BroadcastProduct.Run<float, PlainRows>(ref a[0], ref b[0], ref c[0], ref x[0], rows));
        CheckBroadcast<double, PlainRows>(rows, 0, (a, b, c, x, _, _) => BroadcastProduct.Run<double, PlainRows>(ref a[0], ref b[0], ref c[0], ref x[0], rows));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    public void GradientsAccumulateIntoPanels(int depth)
    {
        CheckBroadcast<float, GradientsIntoPanels>(0, depth, (a, b, c, _, _, _) => BroadcastProduct.Run<float, GradientsIntoPanels>(ref a[0], ref b[0], ref c[0], depth));
        CheckBroadcast<double, GradientsIntoPanels>(0, depth, (a, b, c, _, _, _) => BroadcastProduct.Run<double, GradientsIntoPanels>(ref a[0], ref b[0], ref c[0], depth));
    }

    [Fact]
    public void AStepStartsFromThreeRowsAndFinishesWithTanh()
    {
        CheckBroadcast<float, StepWithTanh>(0, 0, (a, b, c, x, y, z) => BroadcastProduct.Run<float, StepWithTanh>(ref a[0], ref b[0], ref c[0], ref x[0], ref y[0], ref z[0]));
        CheckBroadcast<double, StepWithTanh>(0, 0, (a, b, c, x, y, z) => BroadcastProduct.Run<double, StepWithTanh>(ref a[0], ref b[0], ref c[0], ref x[0], ref y[0], ref z[0]));
    }

    [Fact]
    public void ALongStepFinishesWithRelu()
    {
        CheckBroadcast<float, LongStepWithRelu>(0, 0, (a, b, c, x, y, z) => BroadcastProduct.Run<float, LongStepWithRelu>(ref a[0], ref b[0], ref c[0], ref x[0], ref y[0], ref z[0]));
        CheckBroadcast<double, LongStepWithRelu>(0, 0, (a, b, c, x, y, z) => BroadcastProduct.Run<double, LongStepWithRelu>(ref a[0], ref b[0], ref c[0], ref x[0], ref y[0], ref z[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void EachPartComputesItsColumnsOfEveryGroupOverPanelsInHalves(int part)
    {
        CheckBroadcast<float, SplitStep>(0, 0, (a, b, c, x, _, _) => BroadcastProduct.RunPart<float, SplitStep>(part, ref a[0], ref b[0], ref c[0], ref x[0]), part);
        CheckBroadcast<double, SplitStep>(0, 0, (a, b, c, x, _, _) => BroadcastProduct.RunPart<double, SplitStep>(part, ref a[0], ref b[0], ref c[0], ref x[0]), part);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 9)]
    public void EachPartComputesItsColumnsOfEveryGroupOverPlainRows(int part, int rows)
    {
        CheckBroadcast<float, SplitInput>(rows, 0, (a, b, c, _, _, _) => BroadcastProduct.RunPart<float, SplitInput>(part, ref a[0], ref b[0], ref c[0], rows), part);
        CheckBroadcast<double, SplitInput>(rows, 0, (a, b, c, _, _, _) => BroadcastProduct.RunPart<double, SplitInput>(part, ref a[0], ref b[0], ref c[0], rows), part);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(12)]
    public void AHeadReadsItsWeightsFromPanels(int rows)
    {
        CheckBroadcast<float, PanelledHead>(rows, 0, (a, b, c, x, _, _) => BroadcastProduct.Run<float, PanelledHead>(ref a[0], ref b[0], ref c[0], ref x[0], rows));
        CheckBroadcast<double, PanelledHead>(rows, 0, (a, b, c, x, _, _) => BroadcastProduct.Run<double, PanelledHead>(ref a[0], ref b[0], ref c[0], ref x[0], rows));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    public void DotProductsOverPlainRows(int rows)
    {
        CheckDot<float, DotPlain>(rows);
        CheckDot<double, DotPlain>(rows);
        CheckDot<float, DotConstantRows>(0);
        CheckDot<double, DotConstantRows>(0);
    }

    [Fact]
    public void StridesLeftToTheirDefaultsAreRowsBackToBack()
    {
        // AStrideK 1, BStride and CStride N; for dot products AStride and BStride K.
        CheckBroadcast<float, DefaultStrides>(0, 0, (a, b, c, _, _, _) => BroadcastProduct.Run<float, DefaultStrides>(ref a[0], ref b[0], ref c[0]));
        CheckBroadcast<double, DefaultStrides>(0, 0, (a, b, c, _, _, _) => BroadcastProduct.Run<double, DefaultStrides>(ref a[0], ref b[0], ref c[0]));
        CheckDot<float, DotDefaultStrides>(7);
        CheckDot<double, DotDefaultStrides>(7);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void LongDotProductsWorkInChunks(int rows)
    {
        CheckDot<float, DotChunked>(rows);
        CheckDot<double, DotChunked>(rows);
        CheckDot<float, DotChunkedRows>(rows);
        CheckDot<double, DotChunkedRows>(rows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void DotProductsRunAcrossPanelsInHalves(int rows)
    {
        CheckDot<float, DotPanelsInHalves>(rows);
        CheckDot<double, DotPanelsInHalves>(rows);
    }
}
