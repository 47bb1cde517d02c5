namespace RnnGen;

// The generator reads these by numeric value: never renumber a member.

/// <summary>The recurrent cell of an <see cref="RnnModelAttribute"/> model.</summary>
public enum CellType
{
    /// <summary>Elman RNN: <c>h = act(W_ih x + b_ih + W_hh h + b_hh)</c> (PyTorch <c>nn.RNN</c>).</summary>
    Vanilla = 0,
    /// <summary>Long short-term memory, gate order i, f, g, o (PyTorch <c>nn.LSTM</c>).</summary>
    Lstm = 1,
    /// <summary>Gated recurrent unit, gate order r, z, n (PyTorch <c>nn.GRU</c>).</summary>
    Gru = 2,
}

/// <summary>The non-linearity of a vanilla cell (PyTorch <c>nonlinearity</c>).</summary>
public enum Activation
{
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 0,
    /// <summary>Rectified linear unit, <c>max(0, x)</c>.</summary>
    Relu = 1,
}

/// <summary>The training loss, summed (never averaged) over steps.</summary>
public enum Loss
{
    /// <summary><c>-log softmax(y_t)[target_t]</c> with integer class targets.</summary>
    CrossEntropy = 0,
    /// <summary><c>Σ_j (y_tj - target_tj)²</c> with float targets (PyTorch <c>MSELoss(reduction='sum')</c>).</summary>
    SquaredError = 1,
}

/// <summary>Which steps carry a head output and a target.</summary>
public enum Outputs
{
    /// <summary>One target per step.</summary>
    EveryStep = 0,
    /// <summary>One target per sequence, at its last step (sequence-to-one).</summary>
    LastStep = 1,
}

/// <summary>What feeds the recurrence at step <c>t</c>.</summary>
public enum Recurrence
{
    /// <summary>The previous hidden state <c>h_{t-1}</c>.</summary>
    Hidden = 0,
    /// <summary>The previous head output <c>y_{t-1}</c> (vanilla cell only).</summary>
    Output = 1,
}

/// <summary>The element type of a generated model.</summary>
public enum Precision
{
    /// <summary><see cref="float"/>.</summary>
    Single = 0,
    /// <summary><see cref="double"/>.</summary>
    Double = 1,
}
