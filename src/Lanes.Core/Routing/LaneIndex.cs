using System.Collections.Frozen;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing;

/// <summary>
/// The instances of one service partitioned by lane, built once per resolved endpoint set so a
/// request's pick is a dictionary lookup and a counter increment. Unhealthy and zero-weight
/// instances are left out; base instances form their own partition, never mixed with a lane's.
/// </summary>
internal sealed class LaneIndex
{
    private readonly FrozenDictionary<string, InstancePicker> _lanes;
    private readonly InstancePicker? _base;

    private LaneIndex(FrozenDictionary<string, InstancePicker> lanes, InstancePicker? basePicker, int skipped)
    {
        _lanes = lanes;
        _base = basePicker;
        Skipped = skipped;
    }

    /// <summary>Endpoints left out because requests cannot be sent to their address type.</summary>
    public int Skipped { get; }

    public int LaneCount => _lanes.Count;

    public int BaseCount => _base?.Count ?? 0;

    public static LaneIndex Build(IReadOnlyList<ServiceEndpoint> endpoints)
    {
        List<RouteTarget>? baseTargets = null;
        Dictionary<string, List<RouteTarget>>? laneTargets = null;
        var skipped = 0;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var target = RouteTarget.Create(endpoints[i]);
            if (target is null)
            {
                skipped++;
                continue;
            }

            if (!target.Healthy || target.Weight <= 0)
            {
                continue;
            }

            List<RouteTarget> partition;
            if (target.Lane.IsBase)
            {
                partition = baseTargets ??= [];
            }
            else
            {
                laneTargets ??= new Dictionary<string, List<RouteTarget>>(StringComparer.Ordinal);
                if (!laneTargets.TryGetValue(target.Lane.Name!, out partition!))
                {
                    partition = laneTargets[target.Lane.Name!] = [];
                }
            }

            partition.Add(target);
        }

        var lanes = FrozenDictionary<string, InstancePicker>.Empty;
        if (laneTargets is not null)
        {
            var pickers = new Dictionary<string, InstancePicker>(laneTargets.Count, StringComparer.Ordinal);
            foreach (var (lane, targets) in laneTargets)
            {
                pickers[lane] = new InstancePicker([.. targets]);
            }

            lanes = pickers.ToFrozenDictionary(StringComparer.Ordinal);
        }

        return new LaneIndex(lanes, baseTargets is null ? null : new InstancePicker([.. baseTargets]), skipped);
    }

    /// <summary>
    /// Picks an instance for a request of <paramref name="lane"/>: one of its lane when there is one,
    /// else base. Base traffic only ever gets base. Returns <see langword="null"/> when nothing fits.
    /// </summary>
    public RouteTarget? Pick(Lane lane, out RouteReason reason)
    {
        if (lane.IsBase)
        {
            reason = RouteReason.Base;
            return _base?.Pick();
        }

        if (_lanes.Count != 0 && _lanes.TryGetValue(lane.Name!, out var picker))
        {
            reason = RouteReason.LaneMatched;
            return picker.Pick();
        }

        reason = RouteReason.FallbackNoLaneInstance;
        return _base?.Pick();
    }
}
