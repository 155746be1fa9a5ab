using System.Collections.Frozen;
using Lanes.Yarp.Discovery;
using Yarp.ReverseProxy.Model;

namespace Lanes.Yarp.Routing;

/// <summary>
/// A cluster's available destinations split by lane, built once per destinations state (YARP replaces that state when
/// destinations or their health change), so narrowing a request to its lane is a lookup, not a scan.
/// </summary>
internal sealed class LanePartition
{
    private readonly FrozenDictionary<string, DestinationState[]> _lanes;
    private readonly FrozenSet<string> _knownLanes;

    private LanePartition(DestinationState[] baseDestinations, FrozenDictionary<string, DestinationState[]> lanes, FrozenSet<string> knownLanes, string? serviceName)
    {
        Base = baseDestinations;
        _lanes = lanes;
        _knownLanes = knownLanes;
        ServiceName = serviceName;
    }

    /// <summary>The available base destinations (the fallback of every lane).</summary>
    public DestinationState[] Base { get; }

    public string? ServiceName { get; }

    /// <summary>The available destinations of <paramref name="lane"/>; <see langword="null"/> when none is available.</summary>
    public DestinationState[]? Lane(string lane) =>
        _lanes.Count != 0 && _lanes.TryGetValue(lane, out var destinations) ? destinations : null;

    /// <summary>Whether the cluster has destinations of the lane at all (all of them unhealthy when none is available).</summary>
    public bool Knows(string lane) => _knownLanes.Count != 0 && _knownLanes.Contains(lane);

    /// <param name="all">Every destination of the cluster.</param>
    /// <param name="available">Those YARP's health policy lets take traffic.</param>
    /// <param name="baseLane">A lane name whose destinations count as base, or <see langword="null"/>.</param>
    public static LanePartition Build(IReadOnlyList<DestinationState> all, IReadOnlyList<DestinationState> available, string? baseLane)
    {
        var baseDestinations = new List<DestinationState>(available.Count);
        Dictionary<string, List<DestinationState>>? lanes = null;
        for (var i = 0; i < available.Count; i++)
        {
            var lane = LaneOf(available[i], baseLane);
            if (lane is null)
            {
                baseDestinations.Add(available[i]);
                continue;
            }

            lanes ??= new Dictionary<string, List<DestinationState>>(StringComparer.Ordinal);
            if (!lanes.TryGetValue(lane, out var list))
            {
                list = lanes[lane] = [];
            }

            list.Add(available[i]);
        }

        HashSet<string>? known = null;
        string? serviceName = null;
        for (var i = 0; i < all.Count; i++)
        {
            if (LaneOf(all[i], baseLane) is { } lane)
            {
                (known ??= new HashSet<string>(StringComparer.Ordinal)).Add(lane);
            }

            serviceName ??= all[i].Model?.Config.Metadata?.GetValueOrDefault(LaneMetadata.Service);
        }

        var frozen = lanes is null
            ? FrozenDictionary<string, DestinationState[]>.Empty
            : lanes.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToArray(), StringComparer.Ordinal);
        return new LanePartition(
            [.. baseDestinations],
            frozen,
            known is null ? FrozenSet<string>.Empty : known.ToFrozenSet(StringComparer.Ordinal),
            serviceName);
    }

    /// <summary>The destination's lane, or <see langword="null"/> for base.</summary>
    public static string? LaneOf(DestinationState destination, string? baseLane)
    {
        var metadata = destination.Model?.Config.Metadata;
        if (metadata is null || !metadata.TryGetValue(LaneMetadata.Lane, out var lane) || string.IsNullOrEmpty(lane)
            || string.Equals(lane, Lanes.Lane.BaseName, StringComparison.Ordinal) || string.Equals(lane, baseLane, StringComparison.Ordinal))
        {
            return null;
        }

        return lane;
    }
}
