using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Decisions;

/// <summary>The shared TrafficRouting a Rollout names, as seen in one pass.</summary>
internal sealed record TrafficRoutingObservation
{
    public required string Name { get; init; }

    public bool Exists { get; init; }

    public string? Phase { get; init; }

    public IReadOnlyList<string> Finalizers { get; init; } = [];

    public long? Generation { get; init; }

    public long? ObservedGeneration { get; init; }

    /// <summary>The TrafficRouting's <c>TrafficReady</c> condition, if it has one.</summary>
    public RolloutCondition? TrafficReady { get; init; }

    /// <summary><c>status.message</c>.</summary>
    public string? Message { get; init; }

    public static string FinalizerFor(string rollout) => KruiseNames.ProgressingFinalizerPrefix + "/" + rollout;

    public bool IsAttached(string rollout) => Finalizers.Contains(FinalizerFor(rollout));

    /// <summary>The lane rule is in place for the current spec: the TrafficRouting routes, and says it finished.</summary>
    public bool RoutesInPlace =>
        Exists && Phase is "Progressing" or "Terminating" && TrafficReady?.Status == "True" && ObservedGeneration == Generation;

    /// <summary>Never initialised, or its last check failed: a release should not start on it.</summary>
    public bool IsUnusable => Exists && Phase is null or "" or "Initial";

    /// <summary>Why the lane rule is not in place, as a reason and a message naming the TrafficRouting.</summary>
    public (string Reason, string Message) Problem()
    {
        if (!Exists)
        {
            return (TrafficRoutingReasons.EntryNotFound, $"TrafficRouting {Name} not found");
        }

        if (TrafficReady is { Status: "False" } condition && ObservedGeneration == Generation)
        {
            // Provider and validation messages already name the TrafficRouting.
            return (condition.Reason, condition.Message.Contains("/" + Name, StringComparison.Ordinal) ? condition.Message : $"TrafficRouting {Name}: {condition.Message}");
        }

        return (TrafficRoutingReasons.WaitingForTrafficRouting, string.IsNullOrEmpty(Phase)
            ? $"TrafficRouting {Name} has not been initialized yet"
            : $"TrafficRouting {Name} is {Phase}: {Message}");
    }
}
