namespace RnnGen.Generator.Emit.Kernels;

/// <summary>A loop extent: a generation-time constant, or a run-time parameter (the sequence length).</summary>
internal sealed record Dim(int? Value, string Parameter)
{
    public static Dim Const(int value) => new(value, "");

    public static Dim Runtime(string parameter) => new(null, parameter);

    public bool IsConst => Value.HasValue;

    /// <summary>The bound as a <c>nuint</c> expression.</summary>
    public string Bound => IsConst ? Value!.Value.ToString() : $"(nuint){Parameter}";
}
