namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitters need to know about one <c>[RnnModel]</c> declaration, as plain values:
/// no symbols, syntax or compilation, so the incremental pipeline can compare it by value.
/// </summary>
internal sealed record ModelSpec(
    TypeSpec Type,
    int Hidden,
    int Vocab,
    int Input,
    int Output,
    CellKind Cell,
    ActivationKind Activation,
    LossKind Loss,
    int Truncate,
    int MaxSteps,
    OutputsKind Outputs,
    RecurrenceKind Recurrence,
    PrecisionKind Precision,
    int Layers,
    bool Bidirectional,
    double Dropout,
    int Projection,
    int Embedding = 0,
    string? NativeExports = null,
    int Batch = 1)
{
    /// <summary>True for token-id inputs (<c>Vocab</c>), false for dense inputs (<c>Input</c>).</summary>
    public bool TokenInput => Vocab > 0;

    /// <summary>Width of one input step: the vocabulary or the dense width.</summary>
    public int InputWidth => TokenInput ? Vocab : Input;

    /// <summary>Layer 0 reads a token's row of W_ih (one-hot input, no embedding layer): a lookup, not a product.</summary>
    public bool LookupInput => TokenInput && Embedding == 0;
}

/// <summary>Where the model class lives, enough to re-open it as a partial declaration.</summary>
internal sealed record TypeSpec(
    string? Namespace,
    string Name,
    EquatableArray<ContainingTypeSpec> ContainingTypes)
{
    /// <summary>Fully qualified name for messages and comments, e.g. <c>Demo.Outer.WordModel</c>.</summary>
    public string DisplayName
    {
        get
        {
            var b = new System.Text.StringBuilder();
            if (Namespace is not null)
            {
                b.Append(Namespace).Append('.');
            }

            foreach (ContainingTypeSpec c in ContainingTypes)
            {
                b.Append(c.Name).Append('.');
            }

            return b.Append(Name).ToString();
        }
    }

    /// <summary>A name unique in the compilation and safe in file names and identifiers.</summary>
    public string FlatName
    {
        get
        {
            var b = new System.Text.StringBuilder();
            if (Namespace is not null)
            {
                b.Append(Namespace.Replace('.', '_')).Append('_');
            }

            foreach (ContainingTypeSpec c in ContainingTypes)
            {
                b.Append(c.Name).Append('_');
            }

            return b.Append(Name).ToString();
        }
    }
}

/// <summary>A type that encloses the model class: its keyword (<c>class</c>, <c>record struct</c>, ...) and name.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);
