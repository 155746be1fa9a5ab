namespace Lanes.RolloutController.Cluster;

/// <summary>What to reconcile: a Rollout or a TrafficRouting, by namespace and name.</summary>
internal readonly record struct ReconcileKey(ReconcileKind Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
