namespace Lanes.RolloutController.Cluster;

/// <summary>
/// The caches a reconcile reads instead of calling the API server: Rollouts, Deployments (stable and canary),
/// ReplicaSets, TrafficRoutings and AnalysisTemplates.
/// </summary>
internal sealed class ClusterCache
{
    public ObjectCache Rollouts { get; } = new();

    public ObjectCache Deployments { get; } = new();

    public ObjectCache ReplicaSets { get; } = new();

    public ObjectCache TrafficRoutings { get; } = new();

    public ObjectCache AnalysisTemplates { get; } = new();

    /// <summary>Forgets every collection: the watches that fed them stopped, so what they hold would only go stale.</summary>
    public void Reset()
    {
        Rollouts.Reset();
        Deployments.Reset();
        ReplicaSets.Reset();
        TrafficRoutings.Reset();
        AnalysisTemplates.Reset();
    }
}
