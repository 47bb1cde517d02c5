namespace RnnGen;

/// <summary>What a training step does when the loss or a gradient is NaN or infinite.</summary>
public enum NonFiniteAction
{
    /// <summary>Throw <see cref="NonFiniteTrainingException"/> before any weight changes (the default).</summary>
    Throw = 0,

    /// <summary>Leave every weight as it was and go on: the batch is skipped, and counted.</summary>
    Skip = 1,
}
