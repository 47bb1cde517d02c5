namespace RnnGen;

/// <summary>Constants of cross-entropy targets (<see cref="Loss.CrossEntropy"/> models, whose targets are class ids).</summary>
public static class CrossEntropy
{
    /// <summary>
    /// A class-id target that adds no loss and no gradient: PyTorch's default <c>ignore_index</c>, so that RnnGen's
    /// summed loss is <c>F.cross_entropy(logits, targets, ignore_index=-100, reduction="sum")</c>. Use it for the
    /// steps of a sequence that have nothing to predict (padding, a prompt, a tagger's unlabelled words).
    /// </summary>
    /// <remarks>
    /// The step still runs: its input moves the state that later steps read, and only its own loss term is left out.
    /// Any other negative id, or one from <c>Output</c> up, is still an <see cref="System.ArgumentException"/>.
    /// <see cref="Training.Trainer{T, TInput, TTarget}"/>'s mean losses and accuracy count only the targets that are
    /// not ignored, and are NaN when every target they average over is ignored.
    /// </remarks>
    public const int IgnoreIndex = -100;
}
