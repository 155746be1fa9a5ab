using System.Collections.Concurrent;

namespace Lanes.Diagnostics;

/// <summary>
/// The <c>lanes.lane</c> attribute value of each lane, with the number of distinct lanes capped: the first
/// <c>Lanes:Metrics:MaxLanes</c> lanes seen keep their name, later ones share <see cref="OverflowValue"/>. Lane names
/// are validated before they get here (at most 63 characters of <c>[a-z0-9._-]</c>), so values are safe labels.
/// </summary>
/// <remarks>
/// Reading is lock-free and allocation-free: the last lane is compared by reference, then a concurrent dictionary is
/// read. Only the first sight of each lane, at most <c>MaxLanes</c> times in a process, takes a lock to add it.
/// </remarks>
internal sealed class LaneMetricTags
{
    /// <summary>The value of lanes past the cap; not a valid lane name, so it never stands for a real lane.</summary>
    public const string OverflowValue = "(other)";

    private readonly ConcurrentDictionary<string, LaneMetricTag> _tags = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _maxLanes;
    private readonly Action<string> _overflowed;
    private LaneMetricTag? _last;
    private int _count;

    /// <param name="maxLanes">The number of distinct lanes, besides base, that keep their name.</param>
    /// <param name="overflowed">Called with the lane's name each time a lane is reported as <see cref="OverflowValue"/>.</param>
    public LaneMetricTags(int maxLanes, Action<string> overflowed)
    {
        _maxLanes = maxLanes;
        _overflowed = overflowed;
    }

    public LaneMetricTag Base { get; } = new(Lane.BaseName);

    public LaneMetricTag Overflow { get; } = new(OverflowValue);

    /// <summary>The number of lanes that have a value of their own.</summary>
    public int Count => Volatile.Read(ref _count);

    public LaneMetricTag For(Lane lane)
    {
        var name = lane.Name;
        if (name is null)
        {
            return Base;
        }

        // Most requests of a process carry the lane of the request before: one reference comparison.
        var last = _last;
        if (last is not null && ReferenceEquals(last.Value, name))
        {
            return last;
        }

        if (!_tags.TryGetValue(name, out var tag))
        {
            tag = Add(name);
            if (ReferenceEquals(tag, Overflow))
            {
                _overflowed(name);
                return tag;
            }
        }

        _last = tag;
        return tag;
    }

    private LaneMetricTag Add(string name)
    {
        if (Volatile.Read(ref _count) >= _maxLanes)
        {
            return Overflow;
        }

        lock (_gate)
        {
            if (_tags.TryGetValue(name, out var tag))
            {
                return tag;
            }

            if (_count >= _maxLanes)
            {
                return Overflow;
            }

            tag = new LaneMetricTag(name);
            _tags[name] = tag;
            Volatile.Write(ref _count, _count + 1);
            return tag;
        }
    }
}
