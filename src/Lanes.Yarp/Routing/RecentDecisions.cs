using System.Collections.Concurrent;
using Lanes.Routing;

namespace Lanes.Yarp.Routing;

/// <summary>
/// The gateway's recent routing decisions: counts per cluster, lane and reason since start, and the last few decisions
/// of each lane and reason. Bounded: a fixed ring per lane and reason, and at most <see cref="MaxKeys"/> keys.
/// </summary>
internal sealed class RecentDecisions(TimeProvider time)
{
    public const int PerKey = 8;
    private const int MaxKeys = 512;

    private readonly ConcurrentDictionary<(string Cluster, string Lane, RouteReason Reason), Entry> _entries = new();

    public void Record(string cluster, string lane, RouteReason reason, string? destination)
    {
        var key = (cluster, lane, reason);
        if (!_entries.TryGetValue(key, out var entry))
        {
            if (_entries.Count >= MaxKeys)
            {
                return;   // a flood of invented lanes must not grow this without bound
            }

            entry = _entries.GetOrAdd(key, static _ => new Entry());
        }

        entry.Add(new LaneDecision(time.GetUtcNow(), cluster, lane, reason, destination));
    }

    public IReadOnlyList<(string Cluster, string Lane, RouteReason Reason, long Count, LaneDecision[] Recent)> Snapshot()
    {
        var result = new List<(string, string, RouteReason, long, LaneDecision[])>(_entries.Count);
        foreach (var (key, entry) in _entries)
        {
            var (count, recent) = entry.Read();
            result.Add((key.Cluster, key.Lane, key.Reason, count, recent));
        }

        result.Sort(static (a, b) => (a.Item1, a.Item2, a.Item3).CompareTo((b.Item1, b.Item2, b.Item3)));
        return result;
    }

    private sealed class Entry
    {
        private readonly Lock _gate = new();
        private readonly LaneDecision[] _ring = new LaneDecision[PerKey];
        private long _count;

        public void Add(LaneDecision decision)
        {
            lock (_gate)
            {
                _ring[(int)(_count % PerKey)] = decision;
                _count++;
            }
        }

        public (long Count, LaneDecision[] Recent) Read()
        {
            lock (_gate)
            {
                var n = (int)Math.Min(_count, PerKey);
                var recent = new LaneDecision[n];
                for (var i = 0; i < n; i++)
                {
                    recent[i] = _ring[(int)((_count - 1 - i) % PerKey)];
                }

                return (_count, recent);
            }
        }
    }
}
