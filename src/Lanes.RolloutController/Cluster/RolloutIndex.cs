using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// Which Rollouts care about which objects, kept from the Rollout watch, so a Deployment, ReplicaSet or
/// TrafficRouting event wakes only the Rollouts it concerns.
/// </summary>
internal sealed class RolloutIndex
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), Entry> _entries = new();

    public void Upsert(JsonObject rollout)
    {
        var ns = rollout["metadata"]?["namespace"]?.GetValue<string>() ?? "default";
        var name = rollout["metadata"]?["name"]?.GetValue<string>() ?? "";
        string? workload = null;
        string? trafficRouting = null;
        try
        {
            var model = RolloutConversion.Read(rollout);
            workload = model.Spec.WorkloadRef?.Name;
            trafficRouting = RolloutDecider.TrafficRoutingName(model);
        }
        catch (System.Text.Json.JsonException)
        {
            // Unreadable spec: the reconcile reports it; nothing to index.
        }

        _entries[(ns, name)] = new Entry(workload, trafficRouting);
    }

    public void Remove(string ns, string name) => _entries.TryRemove((ns, name), out _);

    public IEnumerable<ReconcileKey> All() =>
        _entries.Keys.Select(static k => new ReconcileKey(ReconcileKind.Rollout, k.Namespace, k.Name)).ToList();

    public IEnumerable<ReconcileKey> ForDeployment(string ns, string name, string? canaryOf) =>
        _entries.Where(p => p.Key.Namespace == ns && (p.Value.Workload == name || (canaryOf is not null && p.Value.Workload == canaryOf)))
            .Select(static p => new ReconcileKey(ReconcileKind.Rollout, p.Key.Namespace, p.Key.Name)).ToList();

    public IEnumerable<ReconcileKey> ForTrafficRouting(string ns, string name) =>
        _entries.Where(p => p.Key.Namespace == ns && p.Value.TrafficRouting == name)
            .Select(static p => new ReconcileKey(ReconcileKind.Rollout, p.Key.Namespace, p.Key.Name)).ToList();

    private sealed record Entry(string? Workload, string? TrafficRouting);
}
