namespace Lanes.RolloutController.Decisions;

/// <summary>Controller-wide inputs to a decision that are not in the observed objects.</summary>
/// <param name="CanaryReadyTimeout">How long a step may wait for canary readiness before the status says so; zero disables.</param>
/// <param name="TrafficRoutingRetry">How soon to look again while waiting for a missing or finalizing TrafficRouting.</param>
internal sealed record RolloutDecisionSettings(TimeSpan CanaryReadyTimeout, TimeSpan TrafficRoutingRetry)
{
    public static RolloutDecisionSettings Default { get; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));

    /// <summary>How often routes that are in place are checked again (someone may delete the Ingress).</summary>
    public TimeSpan RouteCheckPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The header that carries the lane; a <c>lanes</c> route must set it.</summary>
    public string LaneHeader { get; init; } = "x-mse-tag";
}
