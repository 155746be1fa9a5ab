using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Lanes.Yarp.Routing;

/// <summary>
/// Lane partitions kept beside YARP's destinations state, as YARP keeps its own per-cluster policy state: built on the
/// first request after the state changes and collected with it.
/// </summary>
internal static class LanePartitionCache
{
    private static readonly ConditionalWeakTable<ClusterDestinationsState, LanePartition> s_partitions = [];

    public static LanePartition Get(ClusterDestinationsState state, string? baseLane) =>
        s_partitions.TryGetValue(state, out var partition)
            ? partition
            : s_partitions.GetValue(state, s => LanePartition.Build(s.AllDestinations, s.AvailableDestinations, baseLane));
}
