using System.Collections.Generic;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;
using RnnGen.Generator.Printing;

namespace RnnGen.Generator.Cells;

/// <summary>The weights every step of a unit reads, as ref locals of the generated code.</summary>
internal sealed record UnitWeights(Slot Recurrent, Slot? InputBias, Slot? RecurrentBias, Slot? Projection);

/// <summary>Where one forward step reads and writes.</summary>
/// <param name="Previous">What feeds the recurrence: h_{t-1}, or y_{t-1} with output recurrence.</param>
/// <param name="PreviousCell">c_{t-1} (LSTM).</param>
/// <param name="Input">W_ih x_t, a GateWidth row without the bias (a weight row for a token).</param>
/// <param name="Gates">Receives the step's gates (LSTM, GRU).</param>
/// <param name="HiddenPart">Receives W_hn h_{t-1} + b_hn (GRU).</param>
/// <param name="Cell">Receives c_t (LSTM).</param>
/// <param name="Hidden">Receives h_t.</param>
/// <param name="Unprojected">Receives o ⊙ tanh(c_t) before the projection (LSTM with Projection).</param>
internal sealed record StepOperands(UnitWeights Weights, Slot Previous, Slot? PreviousCell, Slot Input, Slot? Gates, Slot? HiddenPart, Slot? Cell, Slot Hidden, Slot? Unprojected, bool Streaming = false);

/// <summary>Where one backward step reads and writes.</summary>
/// <param name="State">The incoming state gradient: dh, [dh | dc] (LSTM), or dy (output recurrence).</param>
/// <param name="Gates">The step's saved gates.</param>
/// <param name="HiddenPart">The step's saved W_hn h_{t-1} + b_hn (GRU).</param>
/// <param name="Cell">c_t (LSTM).</param>
/// <param name="PreviousCell">c_{t-1} (LSTM).</param>
/// <param name="PreviousHidden">h_{t-1} (GRU).</param>
/// <param name="Hidden">h_t.</param>
/// <param name="Scratch">A HiddenPadded row the step may overwrite.</param>
/// <param name="InputGrad">Receives dLoss/d(W_ih x_t + b_ih).</param>
/// <param name="RecurrentGrad">Receives dLoss/d(W_hh h_{t-1} + b_hh) where it differs from InputGrad (GRU).</param>
/// <param name="PreviousState">Receives the state gradient one step back, except the W_hhᵀ term the caller adds.</param>
/// <param name="ProjectionGrad">Receives the step's dh, for W_hr's gradient (LSTM with Projection), or null to drop it.</param>
internal sealed record BackwardOperands(UnitWeights Weights, Slot State, Slot? Gates, Slot? HiddenPart, Slot? Cell, Slot? PreviousCell, Slot? PreviousHidden,
    Slot Hidden, Slot Scratch, Slot InputGrad, Slot RecurrentGrad, Slot PreviousState, Slot? ProjectionGrad, Slot? OutputWeights);

/// <summary>
/// A recurrent cell as a small description: its step's product and the runtime's element-wise equations (Lstm, Gru,
/// Vanilla in src/RnnGen/Runtime), and the statements of one forward and one backward step. Everything around a step
/// (input projections, the head, losses, truncated BPTT, parameter gradients, the API) is shared by all cells.
/// </summary>
/// <remarks>
/// A backward step is linear in its incoming state gradient, so BPTT may sum several truncation windows before
/// calling it. It writes InputGrad (and RecurrentGrad), and all of PreviousState: the caller then adds W_hhᵀ ·
/// RecurrentGrad into the first HiddenPadded (or Output) entries.
/// </remarks>
internal abstract class Cell
{
    protected Cell(Network network)
    {
        Network = network;
        Calls = new Calls(network);
    }

    protected Network Network { get; }

    protected Sizes Sizes => Network.Sizes;

    protected Calls Calls { get; }

    protected string T => Network.T;

    public static Cell For(Network network) => network.Spec.Cell switch
    {
        CellKind.Lstm => new LstmCell(network),
        CellKind.Gru => new GruCell(network),
        _ => new VanillaCell(network),
    };

    /// <summary>The recurrent product of one step, over all gates.</summary>
    public BroadcastProduct Recurrent { get; protected set; } = null!;

    /// <summary>Registers the cell's products with the network.</summary>
    public abstract void RegisterProducts(Network network);

    /// <summary>
    /// The statements of one forward step: of every unit, or (<paramref name="part"/> set, when the recurrence splits)
    /// of one half of them.
    /// </summary>
    public abstract IEnumerable<string> Step(StepOperands r, Expr? part = null);

    /// <summary>
    /// The element-wise part of a forward step, after its recurrent product: the gates become h (and c). None for the
    /// vanilla cell, whose activation is fused into the product's store; without the LSTM's projection, a product.
    /// </summary>
    public abstract IEnumerable<string> Update(StepOperands r, Expr? part = null);

    /// <summary>The statements of one backward step.</summary>
    public abstract IEnumerable<string> Backward(BackwardOperands r);

    /// <summary>
    /// The recurrent product of one step, <c>c = start + Σ_j prev[j] · W_hh[j, :]</c> over all gates, with
    /// <c>a = prev</c>, <c>b = W_hh</c> (input-major): from <c>x + b_ih + b_hh</c> when the input side joins the gates
    /// here, or from <c>b_hh</c> alone.
    /// </summary>
    protected BroadcastProduct RecurrentProduct(string name, string doc, bool withInput, ProductFinish finish = ProductFinish.None) =>
        Network.InParts(new BroadcastProduct(name, doc)
        {
            M = 1, K = Sizes.RecurrentInputs, N = Sizes.GateWidth, AStrideK = 1, BStride = Sizes.GateWidth,
            BPanel = Sizes.RecurrentPanel, BPanelGroups = Sizes.RecurrentPanelGroups,
            Start = withInput ? ProductStart.ThreeRows : ProductStart.Row, Finish = finish,
        });

    /// <summary>The product's statements: all of it, or one part.</summary>
    protected IEnumerable<string> RunRecurrent(Expr? part, Slot a, Slot b, Slot c, params Slot[] start) => part is null
        ? Calls.Product(Recurrent, a, b, c, null, start)
        : new[] { Calls.ProductPart(Recurrent, part.Print(), a, b, c, null, start) };

    /// <summary>The recurrent product of a streaming Step (<see cref="StepOperands.Streaming"/>), or of a sequence pass.</summary>
    protected IEnumerable<string> RunRecurrent(StepOperands r, Expr? part, Slot c, params Slot[] start) => r.Streaming
        ? Calls.StepProduct(Recurrent, r.Previous, r.Weights.Recurrent, c, start)
        : RunRecurrent(part, r.Previous, r.Weights.Recurrent, c, start);

    /// <summary>A slot shifted to the first unit of a part: <c>part · HalfUnits</c> further.</summary>
    protected Slot Shift(Slot slot, Expr? part) => part is null ? slot : slot.Plus(part * Sizes.HalfUnits);

    /// <summary>Units one element-wise call covers: all (HiddenPadded), or half of them.</summary>
    protected Expr Units(Expr? part) => part is null ? Sizes.HiddenPadded : Sizes.HalfUnits;
}
