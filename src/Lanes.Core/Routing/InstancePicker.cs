namespace Lanes.Routing;

/// <summary>
/// Weighted round robin over one lane's instances, built once per endpoint set. Picking is
/// lock-free and allocation-free: equal weights cycle the array; unequal ones replay a precomputed
/// sequence with each instance's exact share per period, in one array read whatever the set's size
/// (small sets interleave as nginx does, large ones by earliest due pick); only weights too fine to
/// fit a bounded sequence binary-search a cumulative weight table.
/// </summary>
internal sealed class InstancePicker
{
    private const int WeightScale = 100;          // weights keep two decimals, as Nacos's doubles usually do
    private const int MaxSmoothSequenceLength = 1024;
    private const int MaxSmoothSequenceInstances = 64;

    // 32,768 two-byte entries (64 KB) stay below the large object heap, so a refresh does not feed gen 2; that covers
    // 10,000 instances weighted 1 to 3. Every instance has at least one entry, so indexes fit in two bytes.
    private const int MaxSequenceLength = 32_768;

    private readonly RouteTarget[] _targets;
    private readonly ushort[]? _sequence;
    private readonly long[]? _cumulative;
    private int _next = -1;

    public InstancePicker(RouteTarget[] targets)
    {
        _targets = targets;
        if (targets.Length < 2)
        {
            return;
        }

        var units = new long[targets.Length];
        var gcd = 0L;
        var allEqual = true;
        for (var i = 0; i < targets.Length; i++)
        {
            // A weight too small to register still deserves some traffic.
            units[i] = Math.Max(1, (long)Math.Round(targets[i].Weight * WeightScale));
            gcd = Gcd(gcd, units[i]);
            allEqual &= units[i] == units[0];
        }

        if (allEqual)
        {
            return;
        }

        var total = 0L;
        for (var i = 0; i < units.Length; i++)
        {
            units[i] /= gcd;
            total += units[i];
        }

        if (total <= MaxSmoothSequenceLength && targets.Length <= MaxSmoothSequenceInstances)
        {
            _sequence = SmoothSequence(units, (int)total);
            return;
        }

        if (total <= MaxSequenceLength)
        {
            _sequence = DueSequence(units, (int)total);
            return;
        }

        _cumulative = new long[units.Length];
        var running = 0L;
        for (var i = 0; i < units.Length; i++)
        {
            running += units[i];
            _cumulative[i] = running;
        }
    }

    public int Count => _targets.Length;

    public IReadOnlyList<RouteTarget> Targets => _targets;

    /// <summary>
    /// Picks the next instance that <paramref name="avoid"/> does not rule out and, unless <paramref name="panic"/>,
    /// that is not ejected at <paramref name="now"/>. Returns <see langword="null"/> when none qualifies.
    /// </summary>
    public RouteTarget? Pick(long now, in TriedTargets tried, Avoid avoid, bool panic)
    {
        var candidate = Pick();
        if (IsUsable(candidate, now, tried, avoid, panic))
        {
            return candidate;
        }

        // Degraded: scan from a moving offset so the load of an ejected instance spreads over the rest.
        var targets = _targets;
        var start = (int)((uint)Volatile.Read(ref _next) % (uint)targets.Length);
        for (var i = 1; i <= targets.Length; i++)
        {
            candidate = targets[(start + i) % targets.Length];
            if (IsUsable(candidate, now, tried, avoid, panic))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether an instance other than <paramref name="except"/> is available at <paramref name="now"/>.</summary>
    public bool HasOtherAvailable(RouteTarget except, long now)
    {
        foreach (var target in _targets)
        {
            if (!ReferenceEquals(target, except) && target.Health.IsAvailable(now))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUsable(RouteTarget target, long now, in TriedTargets tried, Avoid avoid, bool panic) =>
        (tried.IsEmpty || avoid == Avoid.None || !(avoid == Avoid.Tried ? tried.Contains(target) : tried.IsUnreachable(target)))
        && (panic || target.Health.IsAvailable(now));

    public RouteTarget Pick()
    {
        var targets = _targets;
        if (targets.Length == 1)
        {
            return targets[0];
        }

        var tick = (uint)Interlocked.Increment(ref _next);
        if (_sequence is { } sequence)
        {
            return targets[sequence[tick % (uint)sequence.Length]];
        }

        if (_cumulative is { } cumulative)
        {
            var point = (long)(tick % (ulong)cumulative[^1]);
            var index = Array.BinarySearch(cumulative, point + 1);
            return targets[index >= 0 ? index : ~index];
        }

        return targets[tick % (uint)targets.Length];
    }

    private static ushort[] SmoothSequence(long[] weights, int total)
    {
        var current = new long[weights.Length];
        var sequence = new ushort[total];
        for (var step = 0; step < total; step++)
        {
            var best = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                current[i] += weights[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            sequence[step] = (ushort)best;
        }

        return sequence;
    }

    // Smooth weighted round robin costs instances x period to build, too much for large sets. Here instance i's k-th
    // pick of a period falls due at (2k - 1) / (2 w_i), and picks go in the order they fall due: each instance gets
    // exactly w_i picks per period (its last one is due before 1, its next after), spread over it, built with a heap
    // in period x log(instances).
    private static ushort[] DueSequence(long[] weights, int total)
    {
        var picked = new long[weights.Length];
        var due = new PriorityQueue<int, int>(weights.Length, new DueComparer(weights, picked));
        for (var i = 0; i < weights.Length; i++)
        {
            due.Enqueue(i, i);
        }

        var sequence = new ushort[total];
        for (var step = 0; step < total; step++)
        {
            var next = due.Dequeue();
            sequence[step] = (ushort)next;
            picked[next]++;
            due.Enqueue(next, next);
        }

        return sequence;
    }

    // Orders instances by when their next pick falls due, (2 picked + 1) / (2 weight), compared without division;
    // ties go to the lower index. Picks and weights are at most the period, so the products cannot overflow.
    private sealed class DueComparer(long[] weights, long[] picked) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            var order = ((2 * picked[x]) + 1) * weights[y] - (((2 * picked[y]) + 1) * weights[x]);
            return order != 0 ? Math.Sign(order) : x.CompareTo(y);
        }
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>Which instances a request already tried a pick stays away from.</summary>
    internal enum Avoid
    {
        /// <summary>None: any instance will do.</summary>
        None,

        /// <summary>Those the request could not reach.</summary>
        Unreachable,

        /// <summary>Every instance the request was sent to.</summary>
        Tried,
    }
}
