namespace Lanes.RolloutController.Controller;

/// <summary>Scales the canary Deployment (only up).</summary>
internal sealed record ScaleCanary(string Name, int Replicas) : RolloutAction;
