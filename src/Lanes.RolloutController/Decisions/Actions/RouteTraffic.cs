using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Applies a step's traffic rules through the Rollout's own trafficRoutings.</summary>
/// <param name="StepIndex">The step (1-based).</param>
/// <param name="Strategy">The step's traffic fields.</param>
/// <param name="StableRevision">pod-template-hash of the stable pods.</param>
/// <param name="CanaryRevision">pod-template-hash of the canary pods.</param>
internal sealed record RouteTraffic(int StepIndex, TrafficStrategy Strategy, string? StableRevision, string? CanaryRevision) : RolloutAction;
