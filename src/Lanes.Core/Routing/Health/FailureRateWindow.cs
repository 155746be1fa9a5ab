namespace Lanes.Routing.Health;

/// <summary>
/// Calls and failures of one instance over a sliding window kept in <see cref="FailureRatePolicy.Buckets"/> buckets.
/// Only used when 5xx answers count, so a small lock per call is acceptable there.
/// </summary>
internal sealed class FailureRateWindow(FailureRatePolicy policy)
{
    private readonly Lock _gate = new();
    private readonly long[] _epochs = new long[FailureRatePolicy.Buckets];
    private readonly int[] _calls = new int[FailureRatePolicy.Buckets];
    private readonly int[] _failures = new int[FailureRatePolicy.Buckets];
    private readonly long _bucketTicks = Math.Max(1, policy.WindowTicks / FailureRatePolicy.Buckets);

    /// <summary>Records a call; returns <see langword="true"/> when the window's failure rate has reached the limit.</summary>
    public bool Record(long now, bool failed, FailureRatePolicy limits)
    {
        var epoch = now / _bucketTicks;
        lock (_gate)
        {
            var slot = (int)(epoch % FailureRatePolicy.Buckets);
            if (_epochs[slot] != epoch)
            {
                _epochs[slot] = epoch;
                _calls[slot] = 0;
                _failures[slot] = 0;
            }

            _calls[slot]++;
            if (!failed)
            {
                return false;
            }

            _failures[slot]++;
            int calls = 0, failures = 0;
            for (var i = 0; i < FailureRatePolicy.Buckets; i++)
            {
                if (epoch - _epochs[i] < FailureRatePolicy.Buckets)
                {
                    calls += _calls[i];
                    failures += _failures[i];
                }
            }

            return calls >= limits.MinimumCalls && failures >= limits.Rate * calls;
        }
    }

    /// <summary>Forgets every call, so an instance back from ejection starts with a clean record.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            Array.Clear(_calls);
            Array.Clear(_failures);
        }
    }
}
