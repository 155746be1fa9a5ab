using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Cluster;

/// <summary>What running an action came to: done, or not yet (with why, when there is something to say).</summary>
internal readonly record struct ActionResult(bool IsDone, TimeSpan? RetryAfter, string? Reason, string? Message)
{
    public static ActionResult Done { get; } = new(true, null, null, null);

    public static ActionResult NotYet { get; } = new(false, null, null, null);

    /// <summary>A problem a user must fix (not merely work under way).</summary>
    public bool IsFailure => !IsDone && Reason is not null && !TrafficRoutingReasons.IsProgress(Reason);

    public static ActionResult From(TrafficRoutingResult result) =>
        result.IsDone ? Done : new ActionResult(false, result.RetryAfter, result.Reason, result.Message);

    public static ActionResult From(bool done) => done ? Done : NotYet;
}
