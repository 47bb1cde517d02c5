using System;

namespace RnnGen.Tests;

/// <summary>Bytes a call allocates on the calling thread once warm, for the tests that require none.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated by <paramref name="calls"/> calls after a warm-up: the least of three rounds. One CI run (Debug
    /// build, the whole suite in parallel) saw 7,688 bytes in the only round of a double model's SgdStep, never seen
    /// again in isolation: a one-time allocation of the runtime's on this thread, not the call's. An allocation of the
    /// call's own shows in every round, so the least of three still catches it.
    /// </summary>
    public static long Least(Action action, int calls = 10)
    {
        action(); // warm up: tiering, static constructors
        action();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
