using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Runtime;

/// <summary>Default initialisation of generated models.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightInit
{
    /// <summary>
    /// Clears <paramref name="parameters"/> (so padding is zero), then draws every tensor element uniformly
    /// in ±<see cref="TensorMap.InitScale"/>, tensor by tensor in <c>state_dict</c> order and row-major within
    /// each. The draw order follows PyTorch's view, not the padded layout, so a seed gives the same weights
    /// whatever the layout and, up to rounding, in single and double precision.
    /// </summary>
    public static void Uniform<T>(Span<T> parameters, ReadOnlySpan<TensorMap> maps, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        parameters.Clear();
        var random = new RnnRandom(unchecked((ulong)seed));
        foreach (TensorMap map in maps)
        {
            if (map.InitScale == 0)
            {
                continue;
            }

            // A row's elements are ColumnStride apart (TensorMap's remarks): its start is found once, not per element,
            // which is most of the time of a large model's construction.
            int columns = Math.Max(map.Columns, 1), stride = map.ColumnStride;
            for (int r = 0; r < map.Rows; r++)
            {
                Span<T> row = parameters.Slice(map.IndexOf(r, 0));
                for (int c = 0, at = 0; c < columns; c++, at += stride)
                {
                    row[at] = T.CreateTruncating(random.NextDouble(-map.InitScale, map.InitScale));
                }
            }
        }
    }
}
