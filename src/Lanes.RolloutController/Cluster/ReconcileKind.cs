namespace Lanes.RolloutController.Cluster;

/// <summary>The kinds the controller reconciles.</summary>
internal enum ReconcileKind
{
    Rollout,
    TrafficRouting,
}
