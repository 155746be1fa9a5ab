namespace Lanes.Routing;

/// <summary>
/// The clock of routing and passive health, read on every pick, in <see cref="TimeProvider"/> timestamps. The system
/// provider reads the precise monotonic clock, which costs a pick about 26 ns on a kvm-clock VM (measured with
/// clock_gettime there), more than choosing the instance; routing decides at the scale of seconds (ejections, the
/// resolver's recheck), so with the system provider it reads the millisecond tick count instead, as YARP's clock does,
/// scaled to the provider's timestamp frequency. Any other provider (a test's fake time) is read as it is. Every routing
/// timestamp comes from here, so timestamps of the two clocks are never compared.
/// </summary>
internal sealed class RoutingClock
{
    private readonly TimeProvider? _provider;
    private readonly long _timestampsPerMillisecond;

    public RoutingClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _provider = ReferenceEquals(time, TimeProvider.System) ? null : time;
        _timestampsPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);
    }

    /// <summary>Now, in the provider's timestamp units.</summary>
    public long Now() => _provider is null ? Environment.TickCount64 * _timestampsPerMillisecond : _provider.GetTimestamp();
}
