using System.Collections.Generic;
using System.Text;

namespace RnnGen.Generator.Plan;

/// <summary>What a broadcast product's accumulators start from (the runtime's ProductStart).</summary>
internal enum ProductStart { Accumulate, Zero, Row, ThreeRows }

/// <summary>What is applied before a broadcast product's store (the runtime's ProductFinish).</summary>
internal enum ProductFinish { None, Tanh, Relu }

/// <summary>
/// One product of the network, as the runtime computes it: a shape (a struct of constants the generated code declares)
/// and the runtime method that the shape specialises. Equal shapes are one struct.
/// </summary>
internal abstract record Product(string Name, string Doc)
{
    /// <summary>The runtime interface the shape struct implements.</summary>
    public abstract string Interface { get; }

    /// <summary>The runtime class whose methods take the shape.</summary>
    public abstract string Runtime { get; }

    /// <summary>The shape's members that differ from the interface's defaults, as (name, C# value).</summary>
    public abstract IEnumerable<(string Name, string Value)> Members();

    /// <summary>True when the call passes a run-time extent (rows, or the length of the sums).</summary>
    public abstract bool HasExtent { get; }

    /// <summary>Everything but the name and doc: two products with the same key share one struct.</summary>
    public string Key
    {
        get
        {
            var text = new StringBuilder(Interface);
            foreach ((string name, string value) in Members())
            {
                text.Append('|').Append(name).Append('=').Append(value);
            }

            return text.ToString();
        }
    }
}

/// <summary><c>C[m, 0..N) = finish(start + Σ_k A(m, k) · B[k, 0..N))</c> (the runtime's BroadcastProduct).</summary>
internal sealed record BroadcastProduct(string Name, string Doc) : Product(Name, Doc)
{
    public Expr M { get; init; } = Expr.Zero;
    public Expr K { get; init; } = Expr.Zero;
    public Expr N { get; init; } = Expr.Zero;
    public Expr AStrideM { get; init; } = Expr.Zero;
    public Expr AStrideK { get; init; } = Expr.Zero;
    public Expr BStride { get; init; } = Expr.Zero;
    public Expr CStride { get; init; } = Expr.Zero;

    /// <summary>B's panel width when B is stored in panels (narrower than N), else N.</summary>
    public Expr? BPanel { get; init; }

    public int BPanelGroups { get; init; }

    /// <summary>C's panel width when C is stored in panels (narrower than N), else N.</summary>
    public Expr? CPanel { get; init; }

    public int CPanelGroups { get; init; }

    /// <summary>Columns of one part of every group (a recurrence split across two threads), or null.</summary>
    public Expr? PartColumns { get; init; }

    public Expr? GroupColumns { get; init; }

    public ProductStart Start { get; init; } = ProductStart.Accumulate;

    public ProductFinish Finish { get; init; } = ProductFinish.None;

    public bool WideTiles { get; init; }

    public override string Interface => "IBroadcastProduct";

    public override string Runtime => "BroadcastProduct";

    public override bool HasExtent => M.IsZero || K.IsZero;

    public bool InParts => PartColumns is not null;

    public override IEnumerable<(string Name, string Value)> Members()
    {
        yield return ("M", M.Print());
        yield return ("K", K.Print());
        yield return ("N", N.Print());
        yield return ("AStrideM", AStrideM.Print());
        if (AStrideK.Constant != 1) yield return ("AStrideK", AStrideK.Print());
        if (!BStride.IsZero && BStride.Constant != N.Constant) yield return ("BStride", BStride.Print());
        if (!CStride.IsZero && CStride.Constant != N.Constant) yield return ("CStride", CStride.Print());
        if (BPanel is not null && BPanel.Constant < N.Constant) yield return ("BPanel", BPanel.Print());
        if (BPanelGroups > 0 && BPanel is not null && BPanel.Constant < N.Constant) yield return ("BPanelGroups", BPanelGroups.ToString());
        if (CPanel is not null && CPanel.Constant < N.Constant) yield return ("CPanel", CPanel.Print());
        if (CPanelGroups > 0 && CPanel is not null && CPanel.Constant < N.Constant) yield return ("CPanelGroups", CPanelGroups.ToString());
        if (PartColumns is not null) yield return ("PartColumns", PartColumns.Print());
        if (GroupColumns is not null) yield return ("GroupColumns", GroupColumns.Print());
        if (Start != ProductStart.Accumulate) yield return ("Start", "ProductStart." + Start);
        if (Finish != ProductFinish.None) yield return ("Finish", "ProductFinish." + Finish);
        if (WideTiles) yield return ("WideTiles", "true");
    }
}

/// <summary><c>C[m, n] += Σ_k A[m, k] · B[n, k]</c> (the runtime's DotProduct).</summary>
internal sealed record DotProduct(string Name, string Doc) : Product(Name, Doc)
{
    public Expr M { get; init; } = Expr.Zero;
    public Expr N { get; init; } = Expr.Zero;
    public Expr K { get; init; } = Expr.Zero;
    public Expr AStride { get; init; } = Expr.Zero;
    public Expr BStride { get; init; } = Expr.Zero;
    public Expr CStride { get; init; } = Expr.Zero;

    /// <summary>B's panel width when B is stored in panels (narrower than K), else K.</summary>
    public Expr? BPanel { get; init; }

    public int BPanelGroups { get; init; }

    public bool WideTiles { get; init; }

    public override string Interface => "IDotProduct";

    public override string Runtime => "DotProduct";

    public override bool HasExtent => M.IsZero;

    public override IEnumerable<(string Name, string Value)> Members()
    {
        yield return ("M", M.Print());
        yield return ("N", N.Print());
        yield return ("K", K.Print());
        if (AStride.Constant != K.Constant) yield return ("AStride", AStride.Print());
        if (!BStride.IsZero && BStride.Constant != K.Constant) yield return ("BStride", BStride.Print());
        yield return ("CStride", CStride.Print());
        if (BPanel is not null && BPanel.Constant < K.Constant) yield return ("BPanel", BPanel.Print());
        if (BPanelGroups > 0 && BPanel is not null && BPanel.Constant < K.Constant) yield return ("BPanelGroups", BPanelGroups.ToString());
        if (WideTiles) yield return ("WideTiles", "true");
    }
}
