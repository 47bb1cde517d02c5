namespace RnnGen;

/// <summary>Options for loading a model's weights from a safetensors file (<c>LoadWeights</c>).</summary>
public sealed class WeightLoadOptions
{
    /// <summary>
    /// Accept NaN and infinite values. By default a file holding one is rejected, because a single such
    /// value poisons every output of the model; set this to inspect or repair a diverged checkpoint.
    /// </summary>
    public bool AllowNonFinite { get; init; }
}
