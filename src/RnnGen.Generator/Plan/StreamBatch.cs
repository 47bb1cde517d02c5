using RnnGen.Generator.Cells;
using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// The products of a Step over many streams (Batch &gt; 1): the single step's shapes with one row per stream, so each
/// weight matrix is read once for all of them. Rows are the streams' states (stride StateLength) or scratch rows; the
/// row count is the call's. The recurrence is never split across threads here: the streams are the parallel work.
/// </summary>
/// <remarks>
/// Where the single step starts a cell's sums from <c>x + b_ih + b_hh</c> (LSTM, vanilla: ThreeRows, the same three rows
/// for its one row), a batch has a different x per row: the input side is written first, starting from the summed
/// biases, and the recurrent product accumulates onto it. The GRU keeps its input side apart, as in the single step.
/// </remarks>
internal sealed class StreamBatch
{
    public StreamBatch(Network network)
    {
        Sizes s = network.Sizes;
        Cell cell = network.Cell;
        JoinsInput = cell.Recurrent.Start == ProductStart.ThreeRows;
        // Vanilla writes h itself (the activation is fused into the product's store): into the new states' rows.
        WritesState = cell is VanillaCell;
        Expr rowStride = WritesState ? s.StateLength : s.GateWidth;
        ProductStart inputStart = JoinsInput ? ProductStart.Row : ProductStart.Zero;
        if (network.InputProjection is { } input)
        {
            Input = network.Register(Whole(input) with { Name = "BatchInput", Doc = "W_ih x (+ b_ih + b_hh where the cell's sums start there) for every stream: a = input rows.", M = Zero, CStride = rowStride, Start = inputStart });
        }

        if (network.LayerInputProjection is { } layer)
        {
            LayerInput = network.Register(Whole(layer) with { Name = "BatchLayerInput", Doc = "W_ih h of the layer below for every stream: a = the new states' rows.", M = Zero, AStrideM = s.StateLength, CStride = rowStride, Start = inputStart });
        }

        Recurrent = network.Register(Whole(cell.Recurrent) with
        {
            Name = "Batch" + cell.Recurrent.Name, Doc = "The recurrent product of every stream: a = the states' rows.", M = Zero, AStrideM = s.StateLength, CStride = rowStride,
            Start = JoinsInput ? ProductStart.Accumulate : cell.Recurrent.Start,
        });
        if (cell is LstmCell { Project: { } project })
        {
            Project = network.Register(project with { Name = "BatchProject", Doc = "h = W_hr m for every stream: a = m rows, c = the new states' rows.", M = Zero, AStrideM = s.HiddenPadded, CStride = s.StateLength });
        }

        Head = network.Register(network.HeadForward with
        {
            Name = "BatchHead", Doc = "y = b_out + W_out h for every stream: a = the new states' top rows.", M = Zero, AStrideM = s.StateLength,
            CStride = s.FeedsBack ? s.StateLength : s.OutputPadded,
        });
    }

    /// <summary>The cell's sums start from the input side (LSTM, vanilla): it is written first, from b_ih + b_hh.</summary>
    public bool JoinsInput { get; }

    /// <summary>The recurrent product writes h into the new state rows (vanilla), not gate rows.</summary>
    public bool WritesState { get; }

    /// <summary>Layer 0's W_ih x of dense or embedded input, or null for one-hot tokens (a row of W_ih each).</summary>
    public BroadcastProduct? Input { get; }

    /// <summary>W_ih h of the layer below (stacked models).</summary>
    public BroadcastProduct? LayerInput { get; }

    public BroadcastProduct Recurrent { get; }

    /// <summary>The LSTM's projection (with Projection), or null.</summary>
    public BroadcastProduct? Project { get; }

    /// <summary>The head: into output rows, or into the fed-back y of the new states (output recurrence).</summary>
    public BroadcastProduct Head { get; }

    /// <summary>A product over all its columns: the halves of a split recurrence are for two threads, not streams.</summary>
    private static BroadcastProduct Whole(BroadcastProduct product) => product with { PartColumns = null, GroupColumns = null };
}
