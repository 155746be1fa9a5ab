namespace Lanes.Routing.Health;

/// <summary>
/// Passive health of one instance: consecutive transport failures, an optional failure-rate window and, once
/// either trips, the timestamp until which the instance is out of rotation. Lock-free on the read path, which
/// runs on every pick; timestamps are <see cref="TimeProvider"/> timestamps.
/// </summary>
internal sealed class EndpointHealth
{
    private long _ejectedUntil;
    private long _ejectedAt = long.MaxValue;
    private int _failures;
    private FailureRateWindow? _window;

    /// <summary>Whether the instance may take traffic at <paramref name="now"/>.</summary>
    public bool IsAvailable(long now) => Volatile.Read(ref _ejectedUntil) <= now;

    /// <summary>
    /// Counts a transport failure; returns <see langword="true"/> when it ejected the instance. <paramref name="threshold"/>
    /// is the number of failures in a row that eject it.
    /// </summary>
    public bool ReportTransportFailure(long now, int threshold, long ejectionDuration)
    {
        if (Interlocked.Increment(ref _failures) < threshold)
        {
            return false;
        }

        Eject(now, ejectionDuration);
        return true;
    }

    /// <summary>
    /// Records a call in the failure-rate window (created on first use); returns <see langword="true"/> when the
    /// rate ejected the instance.
    /// </summary>
    public bool ReportToWindow(long now, bool failed, FailureRatePolicy policy, long ejectionDuration)
    {
        var window = Volatile.Read(ref _window) ?? InitWindow(policy);
        if (!window.Record(now, failed, policy))
        {
            return false;
        }

        Eject(now, ejectionDuration);
        return true;
    }

    /// <summary>
    /// The instance answered a call picked at <paramref name="pickedAt"/>: the transport failures in a row end, and an
    /// ejection that was in force when the call was picked (the call went there as a last resort) is lifted.
    /// </summary>
    public void ReportAnswer(long pickedAt)
    {
        if (Volatile.Read(ref _failures) != 0)
        {
            Volatile.Write(ref _failures, 0);
        }

        if (Volatile.Read(ref _ejectedUntil) > pickedAt && Volatile.Read(ref _ejectedAt) <= pickedAt)
        {
            Volatile.Write(ref _ejectedUntil, 0);
            Volatile.Write(ref _ejectedAt, long.MaxValue);
        }
    }

    private void Eject(long now, long ejectionDuration)
    {
        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _ejectedAt, now);
        Volatile.Write(ref _ejectedUntil, now + ejectionDuration);
        _window?.Clear();
    }

    private FailureRateWindow InitWindow(FailureRatePolicy policy)
    {
        Interlocked.CompareExchange(ref _window, new FailureRateWindow(policy), null);
        return _window!;
    }
}
