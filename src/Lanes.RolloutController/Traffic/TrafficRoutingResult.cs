namespace Lanes.RolloutController.Traffic;

/// <summary>The outcome of one provider call: done, a change made (wait, then call again), or a problem to report.</summary>
internal readonly record struct TrafficRoutingResult
{
    private TrafficRoutingResult(TrafficRoutingOutcome outcome, string? reason, string? message, TimeSpan? retryAfter)
    {
        Outcome = outcome;
        Reason = reason;
        Message = message;
        RetryAfter = retryAfter;
    }

    /// <summary>Everything was already in place; nothing was changed.</summary>
    public static TrafficRoutingResult Done { get; } = new(TrafficRoutingOutcome.Done, null, null, null);

    /// <summary>Done, pending or failed.</summary>
    public TrafficRoutingOutcome Outcome { get; }

    /// <summary>A reason from <see cref="TrafficRoutingReasons"/>.</summary>
    public string? Reason { get; }

    /// <summary>What was changed, or what is wrong, naming the object and the field.</summary>
    public string? Message { get; }

    /// <summary>When to call again, if the caller should wait (a grace period).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True for <see cref="Done"/>.</summary>
    public bool IsDone => Outcome == TrafficRoutingOutcome.Done;

    /// <summary>True for <see cref="Failed"/>.</summary>
    public bool IsFailed => Outcome == TrafficRoutingOutcome.Failed;

    /// <summary>Something was changed (or is being waited for); call again.</summary>
    public static TrafficRoutingResult Pending(string message, TimeSpan? retryAfter = null) =>
        new(TrafficRoutingOutcome.Pending, TrafficRoutingReasons.RoutesUpdating, message, retryAfter);

    /// <summary>The routes cannot be put in place until something is fixed.</summary>
    public static TrafficRoutingResult Failed(string reason, string message) => new(TrafficRoutingOutcome.Failed, reason, message, null);
}
