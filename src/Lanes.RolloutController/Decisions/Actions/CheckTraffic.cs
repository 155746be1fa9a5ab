namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Before a release starts: the Services and entry objects of the Rollout's own trafficRoutings exist and can be routed.</summary>
internal sealed record CheckTraffic() : RolloutAction;
