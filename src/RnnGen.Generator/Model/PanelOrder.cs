namespace RnnGen.Generator.Model;

/// <summary>
/// A matrix stored in column panels (input-major, each panel <c>[rows, Width]</c> contiguous): the panel width,
/// how many there are, and in which order they are stored. Panel p holds columns <c>[p * Width, (p + 1) * Width)</c>
/// and is stored at slot <see cref="Slot(int)"/>.
/// </summary>
/// <remarks>
/// Column order unless <see cref="PartMajor"/>: then the panels come in <see cref="Groups"/> equal groups (a gate's
/// columns each), and the first half of every group's panels is stored first, then the second halves. Each half
/// of a recurrence split across two threads then reads one contiguous block: measured on Zen 5, a thread streams
/// 512 KB from its L2 at ≈ 190 GB/s as one block, and at ≈ 110 GB/s as four blocks with gaps between them.
/// </remarks>
internal sealed record PanelOrder(int Width, int Count, int Groups, bool PartMajor)
{
    /// <summary>Panels per group (one gate's columns).</summary>
    public int GroupPanels => Count / Groups;

    /// <summary>Panels of one half of a group.</summary>
    public int PartPanels => GroupPanels / 2;

    /// <summary>Where panel <paramref name="panel"/> is stored, in panels from the first.</summary>
    public int Slot(int panel) => PartMajor
        ? (panel / PartPanels % 2) * (Count / 2) + panel / GroupPanels * PartPanels + panel % PartPanels
        : panel;

    /// <summary>The same as a C# expression of an unsigned panel index (constants folded by the JIT).</summary>
    public string Slot(string panel)
    {
        if (!PartMajor)
        {
            return panel;
        }

        return PartPanels == 1
            ? $"({panel} % 2 * {Count / 2} + {panel} / 2)"
            : $"({panel} / {PartPanels} % 2 * {Count / 2} + {panel} / {GroupPanels} * {PartPanels} + {panel} % {PartPanels})";
    }

    /// <summary>Every panel's slot, in panel order (for the weight map).</summary>
    public int[] Slots()
    {
        var slots = new int[Count];
        for (int p = 0; p < Count; p++)
        {
            slots[p] = Slot(p);
        }

        return slots;
    }
}
