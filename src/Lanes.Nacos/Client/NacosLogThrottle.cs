using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Client;

/// <summary>
/// Keeps an outage from flooding the log: while no Nacos server answers, the first failure of each minute is logged
/// as a warning and the rest at debug level. Shared by every part of the integration, so a dead registry costs one
/// warning a minute however many services are followed.
/// </summary>
internal sealed class NacosLogThrottle(TimeProvider timeProvider)
{
    private static readonly long s_interval = TimeSpan.FromMinutes(1).Ticks;
    private long _nextWarningAt = long.MinValue;

    /// <summary>The level to log the next failure at.</summary>
    public LogLevel NextLevel()
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var next = Volatile.Read(ref _nextWarningAt);
        return now >= next && Interlocked.CompareExchange(ref _nextWarningAt, now + s_interval, next) == next
            ? LogLevel.Warning
            : LogLevel.Debug;
    }
}
