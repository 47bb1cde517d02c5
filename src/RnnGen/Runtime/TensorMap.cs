using System;
using System.ComponentModel;

namespace RnnGen.Runtime;

/// <summary>
/// Where one PyTorch tensor (by its <c>state_dict</c> name) lives inside a generated model's flat
/// parameter array. Generated models keep a padded, SIMD-friendly layout; this map is the only place
/// that layout meets PyTorch's row-major one.
/// </summary>
/// <remarks>
/// Element <c>(r, c)</c> of the PyTorch tensor (row-major, shape <c>[Rows, Columns]</c>, or <c>[Rows]</c>
/// when <see cref="Columns"/> is 0) lives at
/// <c>Offset + (n / PanelWidth) * PanelStride + n % PanelWidth + c * ColumnStride</c> with
/// <c>n = (r / BlockRows) * BlockStride + (r % BlockRows) * RowStride</c>.
/// Blocks model gate stacking: PyTorch stacks the gates of an LSTM as rows <c>[i; f; g; o]</c>, each
/// <c>Hidden</c> rows, while the model pads each gate to a whole number of vectors. Panels model a
/// transposed matrix cut into column panels, each stored contiguously (<c>[Columns, PanelWidth]</c>, so
/// <see cref="ColumnStride"/> is then the panel width), panel <c>n / PanelWidth</c> at that index times
/// <see cref="PanelStride"/> unless the map was given another order of slots; without panels <c>PanelWidth</c> is
/// unbounded and <c>n</c> is added as is.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TensorMap
{
    /// <summary>Creates a map; the generator checks at generation time that every index stays in range.</summary>
    public TensorMap(string name, int rows, int columns, string shapeDescription, int offset, int blockRows, int blockStride, int rowStride, int columnStride, double initScale)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockRows);
        Name = name;
        Rows = rows;
        Columns = columns;
        ShapeDescription = shapeDescription;
        Offset = offset;
        BlockRows = blockRows;
        BlockStride = blockStride;
        RowStride = rowStride;
        ColumnStride = columnStride;
        InitScale = initScale;
        PanelWidth = int.MaxValue;
    }

    /// <summary>Creates a map of a matrix stored in column panels (see the remarks).</summary>
    public TensorMap(string name, int rows, int columns, string shapeDescription, int offset, int blockRows, int blockStride, int rowStride, int columnStride, double initScale, int panelWidth, int panelStride)
        : this(name, rows, columns, shapeDescription, offset, blockRows, blockStride, rowStride, columnStride, initScale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(panelWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(panelStride);
        PanelWidth = panelWidth;
        PanelStride = panelStride;
    }

    /// <summary>
    /// Creates a map of a matrix stored in column panels in another order than the columns': panel p (columns
    /// <c>[p * panelWidth, (p + 1) * panelWidth)</c>) is stored at <c>Offset + panelSlots[p] * panelStride</c>.
    /// </summary>
    public TensorMap(string name, int rows, int columns, string shapeDescription, int offset, int blockRows, int blockStride, int rowStride, int columnStride, double initScale, int panelWidth, int panelStride, int[] panelSlots)
        : this(name, rows, columns, shapeDescription, offset, blockRows, blockStride, rowStride, columnStride, initScale, panelWidth, panelStride)
    {
        ArgumentNullException.ThrowIfNull(panelSlots);
        _panelSlots = panelSlots;
    }

    /// <summary>
    /// Creates a map of a matrix stored in <paramref name="panelCount"/> column panels in the order
    /// <see cref="PanelOrder"/> gives for <paramref name="panelGroups"/>: panel p is stored at
    /// <c>Offset + PanelOrder.Slot(p, panelCount, panelGroups) * panelStride</c>.
    /// </summary>
    public TensorMap(string name, int rows, int columns, string shapeDescription, int offset, int blockRows, int blockStride, int rowStride, int columnStride, double initScale, int panelWidth, int panelStride, int panelCount, int panelGroups)
        : this(name, rows, columns, shapeDescription, offset, blockRows, blockStride, rowStride, columnStride, initScale, panelWidth, panelStride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(panelCount);
        ArgumentOutOfRangeException.ThrowIfNegative(panelGroups);
        if (panelGroups > 0)
        {
            _panelSlots = new int[panelCount];
            for (int p = 0; p < panelCount; p++)
            {
                _panelSlots[p] = (int)PanelOrder.Slot((nuint)p, panelCount, panelGroups);
            }
        }
    }

    private readonly int[]? _panelSlots;

    /// <summary>The PyTorch <c>state_dict</c> name, e.g. <c>rnn.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>Rows (the only dimension of a 1-D tensor).</summary>
    public int Rows { get; }

    /// <summary>Columns, or 0 for a 1-D tensor.</summary>
    public int Columns { get; }

    /// <summary>The shape in the declaration's terms, e.g. <c>[Hidden, Vocab]</c>, for error messages.</summary>
    public string ShapeDescription { get; }

    /// <summary>Index of element (0, 0).</summary>
    public int Offset { get; }

    /// <summary>Rows per block (gate).</summary>
    public int BlockRows { get; }

    /// <summary>Distance between consecutive blocks.</summary>
    public int BlockStride { get; }

    /// <summary>Distance between consecutive rows within a block.</summary>
    public int RowStride { get; }

    /// <summary>Distance between consecutive columns.</summary>
    public int ColumnStride { get; }

    /// <summary>Positions per panel, <see cref="int.MaxValue"/> when the tensor is not stored in panels.</summary>
    public int PanelWidth { get; }

    /// <summary>Distance between consecutive panels.</summary>
    public int PanelStride { get; }

    /// <summary>Default initialisation: uniform in <c>±InitScale</c>; 0 means zeros.</summary>
    public double InitScale { get; }

    /// <summary>Number of elements: <c>Rows * max(Columns, 1)</c>.</summary>
    public long ElementCount => (long)Rows * Math.Max(Columns, 1);

    /// <summary>The PyTorch shape: <c>[Rows]</c> or <c>[Rows, Columns]</c>.</summary>
    public int[] Shape => Columns == 0 ? [Rows] : [Rows, Columns];

    /// <summary>Index in the flat array of PyTorch element <c>(row, column)</c>.</summary>
    public int IndexOf(int row, int column)
    {
        int n = (row / BlockRows) * BlockStride + (row % BlockRows) * RowStride;
        int panel = n / PanelWidth;
        return Offset + (_panelSlots is null ? panel : _panelSlots[panel]) * PanelStride + n % PanelWidth + column * ColumnStride;
    }
}
