using System.Collections.Generic;

namespace RnnGen.Generator.Emit.Kernels;

/// <summary>
/// Emits each kernel body once per shape: a second kernel with the same shape under another name
/// (two products with the same sizes and strides) becomes a one-line call to the first.
/// </summary>
internal sealed class KernelSet
{
    private readonly Dictionary<string, string> _emitted = new();
    private readonly CodeWriter _w;
    private readonly EmitContext _ctx;

    public KernelSet(CodeWriter w, EmitContext ctx)
    {
        _w = w;
        _ctx = ctx;
    }

    public void Add(BroadcastGemm kernel)
    {
        (string parameters, string arguments) = kernel.Signature(_ctx);
        if (!Forwarded(kernel.Shape(_ctx), kernel.Name, kernel.Doc, parameters, arguments))
        {
            kernel.Emit(_w, _ctx);
        }
    }

    /// <summary>
    /// A product over the gate columns (the recurrent product, an input-side product). When the recurrence splits
    /// across two threads, each thread computes the columns of its half of the units (the kernel named with
    /// "Part"); the whole product, on one thread, is then the two parts one after the other, the same sums in the
    /// same order, so the body is emitted once.
    /// </summary>
    public void AddInHalves(BroadcastGemm kernel)
    {
        if (!_ctx.Layout.SplitsRecurrence)
        {
            Add(kernel);
            return;
        }

        BroadcastGemm part = kernel.Part(_ctx.Layout.HalfUnits, _ctx.Layout.HiddenPadded);
        Add(part);
        kernel.EmitAsParts(_w, _ctx, part);
    }

    public void Add(DotGemm kernel)
    {
        (string parameters, string arguments) = kernel.Signature(_ctx);
        if (!Forwarded(kernel.Shape(_ctx), kernel.Name, kernel.Doc, parameters, arguments))
        {
            kernel.Emit(_w, _ctx);
        }
    }

    private bool Forwarded(string shape, string name, string doc, string parameters, string arguments)
    {
        if (_emitted.TryGetValue(shape, out string? first))
        {
            _w.Line($"/// <summary>{doc} The same product as {first}.</summary>");
            _w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            _w.Line($"private static void {name}({parameters}) => {first}({arguments});");
            _w.Line();
            return true;
        }

        _emitted[shape] = name;
        return false;
    }
}
