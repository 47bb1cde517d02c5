using System;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public class GradientClippingTests
{
    [Fact]
    public void Clip_by_norm_scales_to_the_limit_and_returns_the_norm_before()
    {
        // (3, 4) has norm 5; clipped to norm 1 it is (0.6, 0.8). A long tail of zeros exercises the vector path.
        var g = new double[41];
        g[0] = 3;
        g[40] = 4;
        Assert.Equal(5.0, Gradient.ClipByNorm<double>(g, 1.0));
        Assert.Equal(0.6, g[0], 1e-15);
        Assert.Equal(0.8, g[40], 1e-15);
        Assert.Equal(1.0, Gradient.Norm<double>(g), 1e-15);
    }

    [Fact]
    public void The_norm_of_large_single_precision_gradients_does_not_overflow()
    {
        // 3e20² overflows float, the norm 5e20 does not.
        float[] g = [3e20f, 4e20f];
        Assert.Equal(5e20f, Gradient.Norm<float>(g), 1e14f);
        Assert.Equal(5e20f, Gradient.ClipByNorm<float>(g, 1f), 1e14f);
        Assert.Equal(0.6f, g[0], 1e-6f);
    }

    [Fact]
    public void Clip_by_norm_leaves_small_gradients_alone()
    {
        float[] g = [0.1f, -0.2f, 0.2f];
        Assert.Equal(0.3f, Gradient.ClipByNorm<float>(g, 1f), 1e-7f);
        Assert.Equal([0.1f, -0.2f, 0.2f], g);
    }

    [Fact]
    public void Clip_by_value_clamps_each_element_as_min_char_rnn()
    {
        var g = new float[35];
        for (int i = 0; i < g.Length; i++) g[i] = (i - 17) * 0.5f;
        Gradient.ClipByValue<float>(g, 5f);
        for (int i = 0; i < g.Length; i++)
        {
            Assert.Equal(Math.Clamp((i - 17) * 0.5f, -5f, 5f), g[i]);
        }
    }

    [Fact]
    public void Scale_and_add_scaled()
    {
        var g = new double[19];
        var p = new double[19];
        for (int i = 0; i < 19; i++) g[i] = i;
        Gradient.Scale<double>(g, 0.5);
        Gradient.AddScaled<double>(p, g, -2);
        for (int i = 0; i < 19; i++) Assert.Equal(-i, p[i]);
        Assert.Throws<ArgumentException>(() => Gradient.AddScaled<double>(p, g.AsSpan(1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gradient.ClipByNorm<double>(g, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gradient.ClipByValue<double>(g, -1));
    }

    [Fact]
    public void Schedules()
    {
        Assert.Equal(0.1, LearningRateSchedule.Constant.RateFor(0.1, [3, 2, 4]));
        // The tutorial: halve each time the loss went up (2 -> 4 and 1 -> 1.5).
        Assert.Equal(0.025, LearningRateSchedule.ReduceWhenLossRises().RateFor(0.1, [3, 2, 4, 1, 1.5]), 1e-15);
        Assert.Equal(0.1 * 0.25, LearningRateSchedule.StepDecay(2, 0.5).RateFor(0.1, [1, 1, 1, 1, 1]), 1e-15);
        Assert.Equal(0.1 * 0.9 * 0.9, LearningRateSchedule.Exponential(0.9).RateFor(0.1, [1, 1]), 1e-15);
        Assert.Equal(0.1, LearningRateSchedule.Cosine(4).RateFor(0.1, []), 1e-15);
        Assert.Equal(0.05, LearningRateSchedule.Cosine(4).RateFor(0.1, [1, 1]), 1e-15);
        Assert.Equal(0.01, LearningRateSchedule.Cosine(4, 0.01).RateFor(0.1, [1, 1, 1, 1, 1]), 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.ReduceWhenLossRises(1.5));
    }
}
