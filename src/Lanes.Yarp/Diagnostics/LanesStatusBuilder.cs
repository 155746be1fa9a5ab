using Lanes.AspNetCore.Diagnostics;
using Lanes.Extensibility;
using Lanes.Routing;
using Lanes.Yarp.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Lanes.Yarp.Diagnostics;

/// <summary>Collects the page's content: the rules in force, each cluster's instances by lane with their health, recent decisions.</summary>
internal sealed class LanesStatusBuilder(
    LaneEntryDiagnostics entry,
    IOptions<LanesOptions> lanes,
    IProxyStateLookup proxy,
    RecentDecisions decisions,
    TimeProvider time)
{
    public LanesStatus Build()
    {
        var entryStatus = entry.GetStatus();
        var status = entryStatus.Rules;
        var ruleList = new List<RuleStatus>(entryStatus.RulesInForce.Count);
        foreach (var rule in entryStatus.RulesInForce)
        {
            ruleList.Add(new RuleStatus(rule.Name, rule.Source, rule.Lane, rule.Matches));
        }

        var rejected = status.LastRejected is { } r ? new RejectedStatus(r.At, r.Source, r.Errors) : null;
        var baseLane = string.IsNullOrEmpty(lanes.Value.Routing.BaseLane) ? null : lanes.Value.Routing.BaseLane;
        var services = new List<ServiceStatus>();
        foreach (var cluster in proxy.GetClusters())
        {
            services.Add(Service(cluster, baseLane));
        }

        services.Sort(static (a, b) => string.CompareOrdinal(a.Cluster, b.Cluster));
        var decisionList = new List<DecisionStatus>();
        foreach (var (cluster, lane, reason, count, recent) in decisions.Snapshot())
        {
            decisionList.Add(new DecisionStatus(cluster, lane, RouteReasons.Name(reason), count, Array.ConvertAll(recent, static d => d.At)));
        }

        return new LanesStatus(
            time.GetUtcNow(),
            new EntryStatus(entryStatus.Enabled, entryStatus.TrustedProxies, entryStatus.AllowedLanes, entryStatus.TokenKeys),
            new RulesStatus(status.Version, status.LoadedAt, entryStatus.RulesDirectory, status.Sources, ruleList, rejected),
            services,
            decisionList);
    }

    private static ServiceStatus Service(ClusterState cluster, string? baseLane)
    {
        var state = cluster.DestinationsState;
        var available = new HashSet<DestinationState>(state.AvailableDestinations);
        var byLane = new SortedDictionary<string, List<DestinationStatus>>(StringComparer.Ordinal);
        string? service = null;
        foreach (var destination in state.AllDestinations)
        {
            var lane = LanePartition.LaneOf(destination, baseLane) ?? Lane.BaseName;
            service ??= destination.Model?.Config.Metadata?.GetValueOrDefault(Discovery.LaneMetadata.Service);
            if (!byLane.TryGetValue(lane, out var list))
            {
                list = byLane[lane] = [];
            }

            list.Add(new DestinationStatus(
                destination.DestinationId,
                destination.Model?.Config.Address ?? string.Empty,
                destination.Health.Active.ToString(),
                destination.Health.Passive.ToString(),
                available.Contains(destination)));
        }

        var lanesList = new List<LaneInstances>(byLane.Count);
        foreach (var (lane, destinations) in byLane)
        {
            var up = 0;
            foreach (var d in destinations)
            {
                up += d.Available ? 1 : 0;
            }

            lanesList.Add(new LaneInstances(lane, destinations.Count, up, destinations));
        }

        return new ServiceStatus(cluster.ClusterId, service ?? cluster.ClusterId, lanesList);
    }
}
