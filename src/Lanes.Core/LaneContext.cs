namespace Lanes;

/// <summary>
/// The ambient lane of the current logical call: set by the inbound middleware for a request,
/// read by the outbound handlers, and flowing with <see cref="ExecutionContext"/> into awaits,
/// <see cref="Task.Run(Action)"/> and child tasks.
/// </summary>
/// <remarks>
/// The value is our own <see cref="AsyncLocal{T}"/> holding an immutable name, never a mutable
/// holder, so parallel flows cannot see each other's changes. To run queued or scheduled work
/// in the lane that produced it, capture <see cref="Current"/> and call <see cref="Enter(Lane)"/>
/// where the work runs.
/// </remarks>
public static class LaneContext
{
    private static readonly AsyncLocal<string?> s_current = new();

    /// <summary>The lane of the current logical call; <see cref="Lane.Base"/> when none is set.</summary>
    public static Lane Current => new(s_current.Value);

    /// <summary>Makes <paramref name="lane"/> the ambient lane until the returned scope is disposed.</summary>
    /// <param name="lane">The lane to enter; <see cref="Lane.Base"/> leaves any lane.</param>
    /// <returns>A scope that restores the previous lane when disposed.</returns>
    public static LaneScope Enter(Lane lane)
    {
        var previous = s_current.Value;
        if (!string.Equals(previous, lane.Name, StringComparison.Ordinal))
        {
            s_current.Value = lane.Name;
        }

        return new LaneScope(previous);
    }

    internal static void Restore(string? previous)
    {
        if (!string.Equals(s_current.Value, previous, StringComparison.Ordinal))
        {
            s_current.Value = previous;
        }
    }
}
