using System;

namespace RnnGen.Combinations.Tests;

/// <summary>
/// SgdStep must equal ZeroGradients, Backward, then p -= rate · g (it fuses the head's update and clears only what
/// the sequence touches, so this is worth checking for every shape), and ignore gradients left by earlier calls.
/// </summary>
public static class SgdStepCheck
{
    public static void AssertZeroBackwardThenUpdate(string name, Action<int> initialize, Action zeroGradients, Func<double> backward, Func<double, double> sgdStep, SpanOf parameters, SpanOf gradients)
    {
        const double Rate = 0.1;
        initialize(5);
        zeroGradients();
        double expectedLoss = backward();
        double[] expected = parameters().ToArray();
        ReadOnlySpan<double> g = gradients();
        for (int i = 0; i < expected.Length; i++) expected[i] -= Rate * g[i];

        initialize(5);
        backward(); // stale gradients that SgdStep must not apply
        Assert.Equal(expectedLoss, sgdStep(Rate));
        ReadOnlySpan<double> actual = parameters();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-14, $"{name}: parameter {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
