using System;

namespace RnnGen;

/// <summary>
/// A training step met a NaN or infinite loss or gradient and stopped before updating any weight.
/// <see cref="TensorName"/> names the parameter whose gradient is not finite, with PyTorch's name.
/// </summary>
public sealed class NonFiniteTrainingException : ArithmeticException
{
    /// <summary>Creates the exception; <paramref name="tensorName"/> is null when the loss itself is not finite.</summary>
    /// <param name="message">The message.</param>
    /// <param name="tensorName">The parameter (PyTorch name), or null for the loss.</param>
    /// <param name="row">Row of the element within the tensor, or -1.</param>
    /// <param name="column">Column of the element, or -1 for a vector or the loss.</param>
    public NonFiniteTrainingException(string message, string? tensorName, int row, int column)
        : base(message)
    {
        TensorName = tensorName;
        Row = row;
        Column = column;
    }

    /// <summary>The parameter whose gradient is not finite, e.g. <c>rnn.weight_hh_l0</c>; null when the loss is not finite.</summary>
    public string? TensorName { get; }

    /// <summary>The element's row in the tensor's PyTorch shape, or -1.</summary>
    public int Row { get; }

    /// <summary>The element's column in the tensor's PyTorch shape, or -1 for a vector or the loss.</summary>
    public int Column { get; }
}
