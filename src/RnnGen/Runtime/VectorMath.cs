using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>
/// Element-wise transcendental functions on hardware vectors, for generated code.
/// They build on the runtime's vectorised <c>Exp</c> (about 1 ulp).
/// </summary>
/// <remarks>
/// <c>Tanh</c> is computed as <c>copysign((1 - e) / (1 + e), x)</c> with <c>e = exp(-2|x|)</c>: no overflow
/// for any input, absolute error below 2e-7 in single and 4e-16 in double precision (tested against
/// <see cref="System.Math.Tanh(double)"/>). Relative error grows for |x| below about 1e-3 (absolute error
/// is what a hidden state needs). <c>Sigmoid</c> is <c>1 / (1 + exp(-x))</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorMath
{
    /// <summary>Hyperbolic tangent, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> e = Vector512.Exp(Vector512.Abs(x) * -2f);
        return Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> e = Vector256.Exp(Vector256.Abs(x) * -2f);
        return Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> e = Vector128.Exp(Vector128.Abs(x) * -2f);
        return Vector128.CopySign((Vector128<float>.One - e) / (Vector128<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> x)
    {
        Vector512<double> e = Vector512.Exp(Vector512.Abs(x) * -2d);
        return Vector512.CopySign((Vector512<double>.One - e) / (Vector512<double>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Tanh(Vector256<double> x)
    {
        Vector256<double> e = Vector256.Exp(Vector256.Abs(x) * -2d);
        return Vector256.CopySign((Vector256<double>.One - e) / (Vector256<double>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Tanh(Vector128<double> x)
    {
        Vector128<double> e = Vector128.Exp(Vector128.Abs(x) * -2d);
        return Vector128.CopySign((Vector128<double>.One - e) / (Vector128<double>.One + e), x);
    }

    /// <summary>Logistic sigmoid <c>1 / (1 + exp(-x))</c>, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> x) => Vector512<double>.One / (Vector512<double>.One + Vector512.Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sigmoid(Vector256<double> x) => Vector256<double>.One / (Vector256<double>.One + Vector256.Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sigmoid(Vector128<double> x) => Vector128<double>.One / (Vector128<double>.One + Vector128.Exp(-x));

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> x) => MaxAcross(Vector256.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> x) => MaxAcross(Vector128.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> x)
    {
        float a = float.Max(x.GetElement(0), x.GetElement(1));
        float b = float.Max(x.GetElement(2), x.GetElement(3));
        return float.Max(a, b);
    }

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector512<double> x) => MaxAcross(Vector256.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector256<double> x) => MaxAcross(Vector128.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector128<double> x) => double.Max(x.GetElement(0), x.GetElement(1));
}
