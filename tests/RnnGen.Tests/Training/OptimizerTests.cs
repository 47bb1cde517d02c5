using System;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>
/// Each optimiser against two steps worked by hand on three parameters, p = (1, -2, 0.5), with gradients
/// g1 = (0.5, -1, 0) then g2 = (-1, 0.25, 0) and learning rate 0.1; the third parameter has zero gradients,
/// like padding, and must not move. Then the vectorised path against the scalar formula on a long, odd length.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] Start = [1.0, -2.0, 0.5];
    private static readonly double[][] Steps = [[0.5, -1.0, 0.0], [-1.0, 0.25, 0.0]];

    [Fact]
    public void Sgd_is_p_minus_lr_g()
    {
        // p1 = 1 - 0.1·0.5 = 0.95, then 0.95 - 0.1·(-1) = 1.05.  -2 + 0.1 = -1.9, then -1.9 - 0.025 = -1.925.
        AssertTwoSteps(n => new Sgd<double>(n, 0.1), [1.05, -1.925, 0.5]);
    }

    [Fact]
    public void Sgd_with_momentum_accumulates_velocity()
    {
        // v1 = g1 = (0.5, -1): p = (0.95, -1.9).  v2 = 0.9·v1 + g2 = (-0.55, -0.65): p = (0.95 + 0.055, -1.9 + 0.065).
        AssertTwoSteps(n => new Sgd<double>(n, 0.1, momentum: 0.9), [1.005, -1.835, 0.5]);
    }

    [Fact]
    public void Sgd_with_nesterov_momentum_looks_ahead()
    {
        // Step 1: g + 0.9·v1 = (0.95, -1.9): p = (0.905, -1.81).  Step 2: v2 = (-0.55, -0.65), g2 + 0.9·v2 = (-1.495, -0.335):
        // p = (0.905 + 0.1495, -1.81 + 0.0335).
        AssertTwoSteps(n => new Sgd<double>(n, 0.1, momentum: 0.9, nesterov: true), [1.0545, -1.7765, 0.5]);
    }

    [Fact]
    public void Adagrad_divides_by_the_root_of_the_summed_squares_as_min_char_rnn()
    {
        // G1 = (0.25, 1): p = 1 - 0.1·0.5/√0.25 = 0.9, -2 + 0.1·1/1 = -1.9.
        // G2 = (1.25, 1.0625): p = 0.9 + 0.1/√1.25 = 0.98944272..., -1.9 - 0.025/√1.0625 = -1.92425356...
        AssertTwoSteps(n => new Adagrad<double>(n, 0.1), [0.9894427207422207, -1.9242535628894988, 0.5], tolerance: 1e-12);
    }

    [Fact]
    public void Adam_matches_the_bias_corrected_update()
    {
        // Step 1: m = 0.1·g1, v = 0.001·g1², m̂ = g1, v̂ = g1²: every parameter moves by lr·sign(g) = 0.1.
        // Step 2 for p0: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975, m̂ = -0.055/0.19,
        // v̂ = 0.00124975/0.001999: p = 0.9 - 0.1·m̂/(√v̂ + 1e-8) = 0.93661035...
        AssertTwoSteps(n => new Adam<double>(n, 0.1), [0.9366103542405653, -1.8530531845234584, 0.5], tolerance: 1e-12);
    }

    [Fact]
    public void Adam_defaults_are_pytorchs()
    {
        var adam = new Adam<float>(4);
        Assert.Equal(1e-3f, adam.LearningRate);
        Assert.Equal(0.9f, adam.Beta1);
        Assert.Equal(0.999f, adam.Beta2);
        Assert.Equal(1e-8f, adam.Epsilon);
        Assert.Equal(["m", "v"], new[] { adam.GetStateBufferName(0), adam.GetStateBufferName(1) });
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adagrad")]
    [InlineData("adam")]
    public void Vector_path_equals_the_scalar_formula_in_single_precision(string name)
    {
        // 37 elements: whole vectors and a tail whatever the vector width; every 5th gradient is zero, like padding.
        const int N = 37;
        var random = new RnnRandom(7);
        var p = new float[N];
        var gradients = new float[3][];
        for (int i = 0; i < N; i++) p[i] = (float)random.NextDouble(-1, 1);
        for (int s = 0; s < 3; s++)
        {
            gradients[s] = new float[N];
            for (int i = 0; i < N; i++) gradients[s][i] = i % 5 == 0 ? 0 : (float)random.NextDouble(-2, 2);
        }

        Optimizer<float> optimizer = Create<float>(name, N, 0.05f);
        double[] expected = Array.ConvertAll(p, x => (double)x);
        var state = new double[2, N];
        for (int s = 0; s < 3; s++)
        {
            optimizer.Step(p, gradients[s]);
            Reference(name, expected, gradients[s], state, s + 1, 0.05);
        }

        for (int i = 0; i < N; i++)
        {
            Assert.Equal(expected[i], p[i], 5e-6);
        }
    }

    [Fact]
    public void Step_rejects_spans_of_another_length_and_changes_nothing()
    {
        var adam = new Adam<float>(4, 0.1f);
        var p = new float[] { 1, 2, 3, 4 };
        Assert.Throws<ArgumentException>(() => adam.Step(p.AsSpan(0, 3), new float[3]));
        Assert.Throws<ArgumentException>(() => adam.Step(p, new float[5]));
        Assert.Equal(0, adam.StepCount);
        Assert.Equal([1f, 2, 3, 4], p);
    }

    [Fact]
    public void Arguments_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(0, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(4, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(4, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(4, 0.1f, momentum: 1f));
        Assert.Throws<ArgumentException>(() => new Sgd<float>(4, 0.1f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad<float>(4, 0.1f, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(4, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(4, beta2: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(4).GetStateBuffer(2));
    }

    [Fact]
    public void Reset_forgets_the_state()
    {
        var a = new Adam<double>(3, 0.1);
        var p = (double[])Start.Clone();
        a.Step(p, Steps[0]);
        a.Reset();
        Assert.Equal(0, a.StepCount);
        var q = (double[])Start.Clone();
        a.Step(p = (double[])Start.Clone(), Steps[1]);
        new Adam<double>(3, 0.1).Step(q, Steps[1]);
        Assert.Equal(q, p);
    }

    [Fact]
    public void Steps_allocate_nothing()
    {
        var p = new float[1000];
        var g = new float[1000];
        g.AsSpan().Fill(0.5f);
        Optimizer<float>[] all = [new Sgd<float>(1000, 0.1f), new Sgd<float>(1000, 0.1f, 0.9f), new Adagrad<float>(1000, 0.1f), new Adam<float>(1000)];
        foreach (Optimizer<float> o in all) o.Step(p, g); // JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (Optimizer<float> o in all) o.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AssertTwoSteps(Func<int, Optimizer<double>> create, double[] expected, double tolerance = 1e-15)
    {
        Optimizer<double> optimizer = create(3);
        var p = (double[])Start.Clone();
        optimizer.Step(p, Steps[0]);
        optimizer.Step(p, Steps[1]);
        Assert.Equal(2, optimizer.StepCount);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], p[i], tolerance);
        }

        Assert.Equal(0.5, p[2]); // zero gradients, zero state: exactly unmoved
    }

    private static Optimizer<T> Create<T>(string name, int n, T lr)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T> => name switch
        {
            "sgd" => new Sgd<T>(n, lr),
            "momentum" => new Sgd<T>(n, lr, T.CreateChecked(0.9)),
            "nesterov" => new Sgd<T>(n, lr, T.CreateChecked(0.9), nesterov: true),
            "adagrad" => new Adagrad<T>(n, lr),
            _ => new Adam<T>(n, lr),
        };

    private static void Reference(string name, double[] p, float[] g, double[,] state, int t, double lr)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double gi = g[i];
            switch (name)
            {
                case "sgd":
                    p[i] -= lr * gi;
                    break;
                case "momentum":
                case "nesterov":
                    state[0, i] = 0.9 * state[0, i] + gi;
                    p[i] -= lr * (name == "nesterov" ? gi + 0.9 * state[0, i] : state[0, i]);
                    break;
                case "adagrad":
                    state[0, i] += gi * gi;
                    p[i] -= lr * gi / Math.Sqrt(state[0, i] + 1e-8);
                    break;
                default:
                    state[0, i] = 0.9 * state[0, i] + 0.1 * gi;
                    state[1, i] = 0.999 * state[1, i] + 0.001 * gi * gi;
                    double m = state[0, i] / (1 - Math.Pow(0.9, t)), v = state[1, i] / (1 - Math.Pow(0.999, t));
                    p[i] -= lr * m / (Math.Sqrt(v) + 1e-8);
                    break;
            }
        }
    }
}
