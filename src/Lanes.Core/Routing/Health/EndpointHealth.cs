namespace Lanes.Routing.Health;

/// <summary>
/// Passive health of one instance: consecutive failures and, once they reach the threshold, the
/// timestamp until which the instance is out of rotation. Lock-free; read on every pick.
/// </summary>
internal sealed class EndpointHealth
{
    private long _ejectedUntil;
    private int _failures;

    /// <summary>Whether the instance may take traffic at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public bool IsAvailable(long now) => Volatile.Read(ref _ejectedUntil) <= now;

    /// <summary>Counts a failure; returns <see langword="true"/> when it ejected the instance.</summary>
    public bool ReportFailure(long now, int threshold, long ejectionDuration)
    {
        if (Interlocked.Increment(ref _failures) < threshold)
        {
            return false;
        }

        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _ejectedUntil, now + ejectionDuration);
        return true;
    }

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _failures) != 0)
        {
            Volatile.Write(ref _failures, 0);
        }
    }
}
