namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Removes this Rollout's finalizer from the shared TrafficRouting.</summary>
internal sealed record DetachTrafficRouting(string Name) : RolloutAction;
