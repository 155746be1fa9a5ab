using System.Collections.Frozen;
using Lanes.Routing.Health;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing;

/// <summary>
/// The instances of one service partitioned by lane, built once per resolved endpoint set so a
/// request's pick is a dictionary lookup and a counter increment. Zero-weight instances are left out;
/// instances discovery marks unhealthy are left out but remembered, so a lane whose instances are all
/// unhealthy falls back for that reason. Base instances form their own partition, never mixed with a lane's.
/// </summary>
internal sealed class LaneIndex
{
    // Lane names are interned (Lane.Parse), so a request's lane is usually the very string an instance's lane is: a
    // service with a few lanes finds it by reference before hashing it.
    private const int MaxScannedLanes = 16;

    private readonly FrozenDictionary<string, InstancePicker> _lanes;
    private readonly string[] _scannedNames;
    private readonly InstancePicker[] _scannedPickers;
    private readonly FrozenSet<string> _unhealthyLanes;
    private readonly InstancePicker? _base;

    private LaneIndex(FrozenDictionary<string, InstancePicker> lanes, FrozenSet<string> unhealthyLanes, InstancePicker? basePicker, int skipped)
    {
        _lanes = lanes;
        if (lanes.Count <= MaxScannedLanes)
        {
            _scannedNames = [.. lanes.Keys];
            _scannedPickers = [.. lanes.Values];
        }
        else
        {
            _scannedNames = [];
            _scannedPickers = [];
        }

        _unhealthyLanes = unhealthyLanes;
        _base = basePicker;
        Skipped = skipped;
    }

    /// <summary>Endpoints left out because requests cannot be sent to their address type.</summary>
    public int Skipped { get; }

    public int LaneCount => _lanes.Count;

    public int BaseCount => _base?.Count ?? 0;

    /// <summary>Every selectable instance, for attaching health state.</summary>
    public IEnumerable<RouteTarget> Targets
    {
        get
        {
            if (_base is not null)
            {
                foreach (var target in _base.Targets)
                {
                    yield return target;
                }
            }

            foreach (var picker in _lanes.Values)
            {
                foreach (var target in picker.Targets)
                {
                    yield return target;
                }
            }
        }
    }

    /// <param name="endpoints">The resolved endpoints.</param>
    /// <param name="baseLane">A lane name whose instances count as base, or <see langword="null"/>.</param>
    public static LaneIndex Build(IReadOnlyList<ServiceEndpoint> endpoints, string? baseLane = null)
    {
        List<RouteTarget>? baseTargets = null;
        Dictionary<string, List<RouteTarget>>? laneTargets = null;
        HashSet<string>? unhealthyLanes = null;
        var skipped = 0;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var target = RouteTarget.For(endpoints[i]);
            if (target is null)
            {
                skipped++;
                continue;
            }

            if (target.Weight <= 0)
            {
                continue;
            }

            var isBase = target.Lane.IsBase || string.Equals(target.Lane.Name, baseLane, StringComparison.Ordinal);
            if (!target.Healthy)
            {
                if (!isBase)
                {
                    (unhealthyLanes ??= new HashSet<string>(StringComparer.Ordinal)).Add(target.Lane.Name!);
                }

                continue;
            }

            List<RouteTarget> partition;
            if (isBase)
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
                unhealthyLanes?.Remove(lane);
            }

            lanes = pickers.ToFrozenDictionary(StringComparer.Ordinal);
        }

        return new LaneIndex(
            lanes,
            unhealthyLanes is null ? FrozenSet<string>.Empty : unhealthyLanes.ToFrozenSet(StringComparer.Ordinal),
            baseTargets is null ? null : new InstancePicker([.. baseTargets]),
            skipped);
    }

    /// <summary>Picks ignoring health and fallback policy (an index without ejections, for tests and benchmarks).</summary>
    public RouteTarget? Pick(Lane lane, out RouteReason reason) => Pick(lane, LaneFallback.Loose, 0, default, out reason, out _);

    /// <summary>
    /// Picks an instance for a request of <paramref name="lane"/> (<see cref="Lane.Base"/> for base requests):
    /// a healthy instance of its lane when there is one, else what <paramref name="fallback"/> says. Base traffic
    /// only ever gets base, ejected base instances only when no other base instance is left. Instances in
    /// <paramref name="tried"/> are avoided: one that could not be reached always, one that answered unless nothing
    /// else of the partition is left. Returns <see langword="null"/> when nothing fits or the lane is strict;
    /// <paramref name="partition"/> is the set of instances the pick was made among (the lane's, or base), for passive health.
    /// </summary>
    public RouteTarget? Pick(Lane lane, LaneFallback fallback, long now, in TriedTargets tried, out RouteReason reason, out InstancePicker? partition)
    {
        if (lane.IsBase)
        {
            reason = RouteReason.Base;
            partition = _base;
            return PickBase(now, tried);
        }

        RouteReason fallbackReason;
        if (FindLane(lane.Name!) is { } picker)
        {
            // Avoiding an instance the request was sent to is a preference; leaving the lane is a last resort.
            var target = picker.Pick(now, tried, InstancePicker.Avoid.Tried, panic: false)
                ?? (tried.IsEmpty ? null : picker.Pick(now, tried, InstancePicker.Avoid.Unreachable, panic: false));
            if (target is not null)
            {
                reason = RouteReason.LaneMatched;
                partition = picker;
                return target;
            }

            fallbackReason = RouteReason.FallbackLaneUnhealthy;
        }
        else
        {
            fallbackReason = _unhealthyLanes.Count != 0 && _unhealthyLanes.Contains(lane.Name!)
                ? RouteReason.FallbackLaneUnhealthy
                : RouteReason.FallbackNoLaneInstance;
        }

        if (fallback == LaneFallback.Strict)
        {
            reason = RouteReason.StrictRejection;
            partition = null;
            return null;
        }

        reason = fallbackReason;
        partition = _base;
        return PickBase(now, tried);
    }

    private InstancePicker? FindLane(string name)
    {
        var names = _scannedNames;
        for (var i = 0; i < names.Length; i++)
        {
            if (ReferenceEquals(names[i], name))
            {
                return _scannedPickers[i];
            }
        }

        return _lanes.Count != 0 && _lanes.TryGetValue(name, out var picker) ? picker : null;
    }

    // Better an ejected base instance than no answer: ejection is a guess, a missing instance is certain. Even the last
    // resort stays away from instances this request already tried, and never goes back to one it could not reach.
    private RouteTarget? PickBase(long now, in TriedTargets tried)
    {
        if (_base is null)
        {
            return null;
        }

        if (tried.IsEmpty)
        {
            return _base.Pick(now, tried, InstancePicker.Avoid.None, panic: false) ?? _base.Pick(now, tried, InstancePicker.Avoid.None, panic: true);
        }

        return _base.Pick(now, tried, InstancePicker.Avoid.Tried, panic: false)
            ?? _base.Pick(now, tried, InstancePicker.Avoid.Tried, panic: true)
            ?? _base.Pick(now, tried, InstancePicker.Avoid.Unreachable, panic: false)
            ?? _base.Pick(now, tried, InstancePicker.Avoid.Unreachable, panic: true);
    }
}
