using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Controller;

/// <summary>The shared TrafficRouting a Rollout names, as seen in one pass.</summary>
internal sealed record TrafficRoutingObservation
{
    public required string Name { get; init; }

    public bool Exists { get; init; }

    public string? Phase { get; init; }

    public IReadOnlyList<string> Finalizers { get; init; } = [];

    public static string FinalizerFor(string rollout) => KruiseNames.ProgressingFinalizerPrefix + "/" + rollout;

    public bool IsAttached(string rollout) => Finalizers.Contains(FinalizerFor(rollout));
}
