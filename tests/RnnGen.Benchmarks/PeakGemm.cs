using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The machine's FP32 arithmetic peak as C# can reach it, at the widest vector the hardware accelerates: with
/// AVX-512, an 8 × 48 register tile of C (24 Vector512 accumulators); with AVX2's 16 registers, a 6 × 16 tile
/// (12 Vector256 accumulators, the register budget's classic shape), updated by fused multiply-adds from packed
/// panels of A (rows × K) and B (K × columns) that stay in L1. The fraction-of-limit figures divide by this
/// number from the same run.
/// </summary>
[MemoryDiagnoser]
public class PeakGemm
{
    public const int Depth = 128;

    /// <summary>Whether the Vector512 kernel runs (else the Vector256 one).</summary>
    public static bool Wide => Vector512.IsHardwareAccelerated;

    public static int Rows => Wide ? 8 : 6;

    public static int Columns => Wide ? 48 : 16;

    /// <summary>Kernel calls per benchmark call: about the same work whichever kernel runs.</summary>
    public static int Repeats => Wide ? 200 : 800;

    /// <summary>Floating-point operations per benchmark call (a multiply-add counts as 2).</summary>
    public static double Flops => 2.0 * Rows * Columns * Depth * Repeats;

    /// <summary>What the table calls this kernel.</summary>
    public static string Description => $"in-L1 {(Wide ? "Vector512" : "Vector256")} GEMM micro-kernel ({Rows}×{Columns} tile, K = {Depth})";

    private float[] _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        if (!Vector256.IsHardwareAccelerated) throw new PlatformNotSupportedException("the peak kernel needs Vector256 (AVX2) or Vector512");
        var random = new Random(1);
        // A: 8 × 128 = 4 KB, B: 128 × 48 = 24 KB (or 3 KB and 8 KB): both fit a 32 KB or 48 KB L1 data cache.
        _a = new float[Rows * Depth];
        _b = new float[Depth * Columns];
        _c = new float[Rows * Columns];
        for (int i = 0; i < _a.Length; i++) _a[i] = (float)(random.NextDouble() - 0.5) * 1e-3f;
        for (int i = 0; i < _b.Length; i++) _b[i] = (float)(random.NextDouble() - 0.5) * 1e-3f;
    }

    [Benchmark(Description = "Peak: in-L1 GEMM micro-kernel at the widest accelerated vector")]
    public float Kernel()
    {
        if (Wide)
        {
            for (int r = 0; r < Repeats; r++) MicroKernel(_a, _b, _c);
        }
        else
        {
            for (int r = 0; r < Repeats; r++) MicroKernel256(_a, _b, _c);
        }

        return _c[0];
    }

    /// <summary>C[6 × 16] += A[6 × K] · B[K × 16], packed as for <see cref="MicroKernel"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernel256(float[] a, float[] b, float[] c)
    {
        ref float pa = ref MemoryMarshal.GetArrayDataReference(a);
        ref float pb = ref MemoryMarshal.GetArrayDataReference(b);
        ref float pc = ref MemoryMarshal.GetArrayDataReference(c);
        Vector256<float> c00 = Vector256.LoadUnsafe(ref pc, 0), c01 = Vector256.LoadUnsafe(ref pc, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref pc, 16), c11 = Vector256.LoadUnsafe(ref pc, 24);
        Vector256<float> c20 = Vector256.LoadUnsafe(ref pc, 32), c21 = Vector256.LoadUnsafe(ref pc, 40);
        Vector256<float> c30 = Vector256.LoadUnsafe(ref pc, 48), c31 = Vector256.LoadUnsafe(ref pc, 56);
        Vector256<float> c40 = Vector256.LoadUnsafe(ref pc, 64), c41 = Vector256.LoadUnsafe(ref pc, 72);
        Vector256<float> c50 = Vector256.LoadUnsafe(ref pc, 80), c51 = Vector256.LoadUnsafe(ref pc, 88);
        for (int k = 0; k < Depth; k++)
        {
            nuint bk = (nuint)(k * 16), ak = (nuint)(k * 6);
            // 2 loads and 6 broadcasts feed 12 independent FMAs, in 15 of the 16 registers.
            Vector256<float> b0 = Vector256.LoadUnsafe(ref pb, bk), b1 = Vector256.LoadUnsafe(ref pb, bk + 8);
            Vector256<float> x = Vector256.Create(Unsafe.Add(ref pa, ak));
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref pa, ak + 1));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref pa, ak + 2));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref pa, ak + 3));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(Unsafe.Add(ref pa, ak + 4));
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref pa, ak + 5));
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }

        c00.StoreUnsafe(ref pc, 0); c01.StoreUnsafe(ref pc, 8);
        c10.StoreUnsafe(ref pc, 16); c11.StoreUnsafe(ref pc, 24);
        c20.StoreUnsafe(ref pc, 32); c21.StoreUnsafe(ref pc, 40);
        c30.StoreUnsafe(ref pc, 48); c31.StoreUnsafe(ref pc, 56);
        c40.StoreUnsafe(ref pc, 64); c41.StoreUnsafe(ref pc, 72);
        c50.StoreUnsafe(ref pc, 80); c51.StoreUnsafe(ref pc, 88);
    }

    /// <summary>C[8 × 48] += A[8 × K] · B[K × 48]; A is packed column by column (A[k * 8 + i]), B row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernel(float[] a, float[] b, float[] c)
    {
        ref float pa = ref MemoryMarshal.GetArrayDataReference(a);
        ref float pb = ref MemoryMarshal.GetArrayDataReference(b);
        ref float pc = ref MemoryMarshal.GetArrayDataReference(c);
        Vector512<float> c00 = Vector512.LoadUnsafe(ref pc, 0), c01 = Vector512.LoadUnsafe(ref pc, 16), c02 = Vector512.LoadUnsafe(ref pc, 32);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref pc, 48), c11 = Vector512.LoadUnsafe(ref pc, 64), c12 = Vector512.LoadUnsafe(ref pc, 80);
        Vector512<float> c20 = Vector512.LoadUnsafe(ref pc, 96), c21 = Vector512.LoadUnsafe(ref pc, 112), c22 = Vector512.LoadUnsafe(ref pc, 128);
        Vector512<float> c30 = Vector512.LoadUnsafe(ref pc, 144), c31 = Vector512.LoadUnsafe(ref pc, 160), c32 = Vector512.LoadUnsafe(ref pc, 176);
        Vector512<float> c40 = Vector512.LoadUnsafe(ref pc, 192), c41 = Vector512.LoadUnsafe(ref pc, 208), c42 = Vector512.LoadUnsafe(ref pc, 224);
        Vector512<float> c50 = Vector512.LoadUnsafe(ref pc, 240), c51 = Vector512.LoadUnsafe(ref pc, 256), c52 = Vector512.LoadUnsafe(ref pc, 272);
        Vector512<float> c60 = Vector512.LoadUnsafe(ref pc, 288), c61 = Vector512.LoadUnsafe(ref pc, 304), c62 = Vector512.LoadUnsafe(ref pc, 320);
        Vector512<float> c70 = Vector512.LoadUnsafe(ref pc, 336), c71 = Vector512.LoadUnsafe(ref pc, 352), c72 = Vector512.LoadUnsafe(ref pc, 368);
        for (int k = 0; k < Depth; k++)
        {
            nuint bk = (nuint)(k * 48), ak = (nuint)(k * 8);
            Vector512<float> b0 = Vector512.LoadUnsafe(ref pb, bk), b1 = Vector512.LoadUnsafe(ref pb, bk + 16), b2 = Vector512.LoadUnsafe(ref pb, bk + 32);
            // 3 loads and 8 broadcasts feed 24 independent FMAs: enough in flight to cover FMA latency on two pipes.
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref pa, ak));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01); c02 = Vector512.FusedMultiplyAdd(x, b2, c02);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 1));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11); c12 = Vector512.FusedMultiplyAdd(x, b2, c12);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 2));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21); c22 = Vector512.FusedMultiplyAdd(x, b2, c22);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 3));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31); c32 = Vector512.FusedMultiplyAdd(x, b2, c32);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 4));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41); c42 = Vector512.FusedMultiplyAdd(x, b2, c42);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 5));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51); c52 = Vector512.FusedMultiplyAdd(x, b2, c52);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 6));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61); c62 = Vector512.FusedMultiplyAdd(x, b2, c62);
            x = Vector512.Create(Unsafe.Add(ref pa, ak + 7));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71); c72 = Vector512.FusedMultiplyAdd(x, b2, c72);
        }

        c00.StoreUnsafe(ref pc, 0); c01.StoreUnsafe(ref pc, 16); c02.StoreUnsafe(ref pc, 32);
        c10.StoreUnsafe(ref pc, 48); c11.StoreUnsafe(ref pc, 64); c12.StoreUnsafe(ref pc, 80);
        c20.StoreUnsafe(ref pc, 96); c21.StoreUnsafe(ref pc, 112); c22.StoreUnsafe(ref pc, 128);
        c30.StoreUnsafe(ref pc, 144); c31.StoreUnsafe(ref pc, 160); c32.StoreUnsafe(ref pc, 176);
        c40.StoreUnsafe(ref pc, 192); c41.StoreUnsafe(ref pc, 208); c42.StoreUnsafe(ref pc, 224);
        c50.StoreUnsafe(ref pc, 240); c51.StoreUnsafe(ref pc, 256); c52.StoreUnsafe(ref pc, 272);
        c60.StoreUnsafe(ref pc, 288); c61.StoreUnsafe(ref pc, 304); c62.StoreUnsafe(ref pc, 320);
        c70.StoreUnsafe(ref pc, 336); c71.StoreUnsafe(ref pc, 352); c72.StoreUnsafe(ref pc, 368);
    }
}
