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
}
