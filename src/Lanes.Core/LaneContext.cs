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
/// where the work runs. Entering <see cref="Lane.Base"/> is explicit: the work is base even where a
/// lane could be found elsewhere (OpenTelemetry baggage), which is not the case when no lane was entered.
/// </remarks>
public static class LaneContext
{
    private static readonly AsyncLocal<string?> s_current = new();

    // Base entered on purpose. A private string instance, told apart by reference: no lane has this object as name.
    private static readonly string s_explicitBase = new(Lane.BaseName.AsSpan());

    /// <summary>The lane of the current logical call; <see cref="Lane.Base"/> when none is set.</summary>
    public static Lane Current => s_current.Value is { } name && !ReferenceEquals(name, s_explicitBase) ? new Lane(name) : Lane.Base;

    /// <summary>
    /// Whether <see cref="Lane.Base"/> was entered on purpose (rather than no lane entered at all): a carrier that
    /// holds a lane of its own, such as OpenTelemetry baggage, must then not put the call back into that lane.
    /// </summary>
    public static bool IsExplicitBase => ReferenceEquals(s_current.Value, s_explicitBase);

    /// <summary>Makes <paramref name="lane"/> the ambient lane until the returned scope is disposed.</summary>
    /// <param name="lane">The lane to enter; <see cref="Lane.Base"/> leaves any lane, and also overrides a lane in OpenTelemetry baggage.</param>
    /// <returns>A scope that restores the previous lane when disposed.</returns>
    public static LaneScope Enter(Lane lane)
    {
        if (!lane.IsBase && Propagation.LaneEntryWatch.Armed)
        {
            Propagation.LaneEntryWatch.LaneEntered();
        }

        var previous = s_current.Value;
        var next = lane.Name ?? s_explicitBase;
        if (!ReferenceEquals(previous, next) && (lane.IsBase || !string.Equals(previous, lane.Name, StringComparison.Ordinal)))
        {
            s_current.Value = next;
        }

        return new LaneScope(previous);
    }

    internal static void Restore(string? previous)
    {
        if (!ReferenceEquals(s_current.Value, previous))
        {
            s_current.Value = previous;
        }
    }
}
