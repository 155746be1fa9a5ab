namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Routes all traffic back to stable through the Rollout's own trafficRoutings.</summary>
/// <param name="RoutesOnly">Only take the canary routes away, keeping the Services (a rollback's first step).</param>
internal sealed record RestoreTraffic(bool RoutesOnly) : RolloutAction;
