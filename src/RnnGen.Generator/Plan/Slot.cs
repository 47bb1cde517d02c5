namespace RnnGen.Generator.Plan;

/// <summary>Where the parameters, gradients and workspace live in generated code.</summary>
internal enum Space
{
    /// <summary>The flat parameter array (and the gradients, in the same layout).</summary>
    Parameters,

    /// <summary>The workspace: every buffer a call needs, allocated once with the model.</summary>
    Workspace,
}

/// <summary>
/// A <c>ref T</c> variable of generated code that elements are addressed from: the origins of the parameters (p),
/// gradients (g) and workspace (w), or a local such as a caller's state row.
/// </summary>
internal sealed record Base(string Name)
{
    public static readonly Base Parameters = new("p");
    public static readonly Base Gradients = new("g");
    public static readonly Base Workspace = new("w");
}

/// <summary>An element of generated memory: a base and an offset from it, printed as a C# ref.</summary>
internal sealed record Slot(Base Base, Expr Offset)
{
    /// <summary>The element <paramref name="offset"/> further.</summary>
    public Slot Plus(Expr offset) => this with { Offset = Offset + offset };

    /// <summary>The same element of the gradients, for a parameter's slot.</summary>
    public Slot Gradient => Base == Base.Parameters ? this with { Base = Base.Gradients } : throw new System.InvalidOperationException(this + " is not a parameter");

    /// <summary>The variable reference: <c>w</c>, or <c>Unsafe.Add(ref w, States + t * HiddenPadded)</c>.</summary>
    public string Print() => Offset.IsZero ? Base.Name : $"Unsafe.Add(ref {Base.Name}, {Offset.Print()})";

    /// <summary>As an argument: <c>ref ...</c>.</summary>
    public string Ref => "ref " + Print();

    public override string ToString() => Print();
}

/// <summary>
/// A named region of the parameters or the workspace: its constant offset and length, the width of its rows, and what
/// it holds (the comment of its constant in generated code).
/// </summary>
internal sealed record Buffer(string Name, Space Space, long Offset, long Length, Expr RowWidth, string Comment)
{
    /// <summary>The constant naming the first element.</summary>
    public Expr.Named Start => new(Name, Offset);

    /// <summary>One past the last element.</summary>
    public long End => Offset + Length;

    /// <summary>Element <paramref name="offset"/> of the buffer.</summary>
    public Slot At(Expr offset) => new(Space == Space.Parameters ? Base.Parameters : Base.Workspace, Start + offset);

    /// <summary>The first element of row <paramref name="row"/>.</summary>
    public Slot Row(Expr row) => At(row * RowWidth);

    /// <summary>Element <paramref name="offset"/> of this parameter's gradient.</summary>
    public Slot Gradient(Expr offset) => new(Base.Gradients, Start + offset);

    /// <summary>The first element of row <paramref name="row"/> of this parameter's gradient.</summary>
    public Slot GradientRow(Expr row) => Gradient(row * RowWidth);
}
