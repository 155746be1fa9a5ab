namespace Lanes.RolloutController.Kubernetes;

/// <summary>The kinds the controller reconciles.</summary>
internal enum ReconcileKind
{
    Rollout,
    TrafficRouting,
}
