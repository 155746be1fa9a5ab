namespace Lanes.Background;

/// <summary>
/// A work item with the lane it was produced in. <see cref="AsyncLocal{T}"/> does not cross a queue: a consumer
/// loop runs in the context it started in, not the producer's. Capture where the work is queued, enter where it runs.
/// </summary>
/// <typeparam name="T">The work item type.</typeparam>
/// <param name="Value">The work item.</param>
/// <param name="Lane">The lane it was produced in.</param>
public readonly record struct InLane<T>(T Value, Lane Lane)
{
    /// <summary>Pairs <paramref name="value"/> with the ambient lane.</summary>
    /// <param name="value">The work item.</param>
    public static InLane<T> Capture(T value) => new(value, LaneContext.Current);

    /// <summary>Makes the item's lane ambient until the scope is disposed.</summary>
    public LaneScope Enter() => LaneContext.Enter(Lane);
}
