namespace Lanes.Routing;

/// <summary>
/// Weighted round robin over one lane's instances, built once per endpoint set. Picking is
/// lock-free and allocation-free: equal weights cycle the array; small unequal sets replay a
/// precomputed smooth sequence (weights interleaved, as nginx does); large ones binary-search a
/// cumulative weight table.
/// </summary>
internal sealed class InstancePicker
{
    private const int WeightScale = 100;          // weights keep two decimals, as Nacos's doubles usually do
    private const int MaxSequenceLength = 1024;
    private const int MaxSequenceInstances = 64;

    private readonly RouteTarget[] _targets;
    private readonly int[]? _sequence;
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

        if (total <= MaxSequenceLength && targets.Length <= MaxSequenceInstances)
        {
            _sequence = SmoothSequence(units, (int)total);
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

    private static int[] SmoothSequence(long[] weights, int total)
    {
        var current = new long[weights.Length];
        var sequence = new int[total];
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
            sequence[step] = best;
        }

        return sequence;
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
