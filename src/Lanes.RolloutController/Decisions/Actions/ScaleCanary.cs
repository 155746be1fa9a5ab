namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Scales the canary Deployment (only up).</summary>
internal sealed record ScaleCanary(string Name, int Replicas) : RolloutAction;
