using System.Collections.Generic;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// The statements that call the runtime's kernels (src/RnnGen/Runtime), built from typed operands: products, row
/// operations, spans. The cells' equations (Cells/), the losses and the public members' checks (Api/) name their
/// runtime methods where they are described. Widths are <c>nuint</c> in the runtime: a constant converts implicitly,
/// an expression with run-time values is cast.
/// </summary>
internal sealed class Calls
{
    private readonly string _t;

    public Calls(Network network) => _t = network.T;

    /// <summary>
    /// The arguments of the network's Backward after the state for a call with a loss: <paramref name="stateGradient"/>
    /// (a state's Data, or a null ref for none) where the model composes, and no external gradients for a dense one.
    /// </summary>
    public static string BackwardArguments(Sizes sizes, string stateGradient) =>
        (sizes.ComposesState ? ", ref " + stateGradient : "") + (sizes.ComposesInput ? ", default, default" : "");

    /// <summary>A width argument: constants as they are, anything with run-time values cast to nuint.</summary>
    public static string Width(Expr width) => IsConstant(width) ? width.Print() : $"(nuint)({width.Print()})";

    /// <summary>An int argument.</summary>
    public static string Int(Expr value) => value.Print();

    private static bool IsConstant(Expr e) => e switch
    {
        Expr.Var => false,
        Expr.Sum s => IsConstant(s.Left) && IsConstant(s.Right),
        Expr.Difference d => IsConstant(d.Left) && IsConstant(d.Right),
        Expr.Product p => IsConstant(p.Left) && IsConstant(p.Right),
        _ => true,
    };

    /// <summary>A broadcast product over all of its columns (both parts, one after the other, when it is computed in parts).</summary>
    public IEnumerable<string> Product(BroadcastProduct product, Slot a, Slot b, Slot c, Expr? extent, params Slot[] start)
    {
        extent = product.HasExtent ? extent ?? throw new System.ArgumentNullException(nameof(extent)) : null;
        if (product.InParts)
        {
            yield return ProductPart(product, "0", a, b, c, extent, start);
            yield return ProductPart(product, "1", a, b, c, extent, start);
        }
        else
        {
            yield return $"BroadcastProduct.Run<{_t}, {product.Name}>({Arguments(a, b, c, extent, start)});";
        }
    }

    /// <summary>
    /// A product of a streaming Step: <c>RunStep</c>, whose one-tile products are compiled fully optimised at the first
    /// call like the Step itself. A recurrent product split in parts for two threads is wider than a tile: it is the
    /// sequence pass's, both parts in turn.
    /// </summary>
    public IEnumerable<string> StepProduct(BroadcastProduct product, Slot a, Slot b, Slot c, params Slot[] start) =>
        product.InParts || product.HasExtent
            ? Product(product, a, b, c, Expr.One, start)
            : new[] { $"BroadcastProduct.RunStep<{_t}, {product.Name}>({Arguments(a, b, c, null, start)});" };

    /// <summary>One part (an int expression: 0, 1, part) of a product computed in parts.</summary>
    public string ProductPart(BroadcastProduct product, string part, Slot a, Slot b, Slot c, Expr? extent, params Slot[] start) =>
        $"BroadcastProduct.RunPart<{_t}, {product.Name}>({part}, {Arguments(a, b, c, product.HasExtent ? extent : null, start)});";

    /// <summary>A dot product over <paramref name="rows"/> rows (the shape's M when it has one).</summary>
    public string Dot(DotProduct product, Slot a, Slot b, Slot c, Expr? rows) =>
        product.HasExtent
            ? $"DotProduct.Run<{_t}, {product.Name}>({a.Ref}, {b.Ref}, {c.Ref}, {(rows ?? throw new System.ArgumentNullException(nameof(rows))).Print()});"
            : $"DotProduct.Run<{_t}, {product.Name}>({a.Ref}, {b.Ref}, {c.Ref});";

    public string Copy(Slot source, Slot destination, Expr width) => $"Rows.Copy<{_t}>({source.Ref}, {destination.Ref}, {Width(width)});";

    public string Add(Slot source, Slot destination, Expr width) => $"Rows.Add<{_t}>({source.Ref}, {destination.Ref}, {Width(width)});";

    public string Multiply(Slot factor, Slot destination, Expr width) => $"Rows.Multiply<{_t}>({factor.Ref}, {destination.Ref}, {Width(width)});";

    public string AddProduct(Slot source, Slot factor, Slot destination, Expr width) =>
        $"Rows.AddProduct<{_t}>({source.Ref}, {factor.Ref}, {destination.Ref}, {Width(width)});";

    public string SumRows(Slot rows, Slot target, Expr count, Expr width) => $"Rows.Sum<{_t}>({rows.Ref}, {target.Ref}, {Int(count)}, {Width(width)});";

    public string AllFinite(Slot values, Expr width) => $"Rows.AllFinite<{_t}>({values.Ref}, {Width(width)})";

    public string Descend(Slot p, Slot g, string learningRate, Expr width) => $"Rows.Descend<{_t}>({p.Ref}, {g.Ref}, {learningRate}, {Width(width)});";

    /// <summary>Sets <paramref name="length"/> elements from <paramref name="at"/> to zero.</summary>
    public static string Clear(Slot at, Expr length) => $"MemoryMarshal.CreateSpan({at.Ref}, {Int(length)}).Clear();";

    /// <summary>A span of <paramref name="length"/> elements from <paramref name="at"/>.</summary>
    public static string Span(Slot at, Expr length, bool readOnly = false) =>
        $"MemoryMarshal.Create{(readOnly ? "ReadOnly" : "")}Span({at.Ref}, {Int(length)})";

    private static string Arguments(Slot a, Slot b, Slot c, Expr? extent, Slot[] start)
    {
        var parts = new List<string> { a.Ref, b.Ref, c.Ref };
        foreach (Slot s in start)
        {
            parts.Add(s.Ref);
        }

        if (extent is not null)
        {
            parts.Add(extent.Print());
        }

        return string.Join(", ", parts);
    }
}
