namespace Lanes.RolloutController.Controller;

/// <summary>Removes this Rollout's finalizer from the shared TrafficRouting.</summary>
internal sealed record DetachTrafficRouting(string Name) : RolloutAction;
