using Lanes.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Tests.Routing;

public class RoutingClockTests
{
    [Fact]
    public void AnyOtherProvider_IsReadAsItIs()
    {
        var time = new FakeTimeProvider();
        var clock = new RoutingClock(time);
        var before = clock.Now();

        time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(time.GetTimestamp(), clock.Now());
        Assert.Equal(1.5 * time.TimestampFrequency, clock.Now() - before);
    }

    [Fact]
    public void SystemProvider_CountsInItsTimestampUnits_AtMillisecondResolution()
    {
        var clock = new RoutingClock(TimeProvider.System);
        var frequency = TimeProvider.System.TimestampFrequency;
        var start = clock.Now();
        var realStart = TimeProvider.System.GetTimestamp();

        Thread.Sleep(200);

        var elapsed = clock.Now() - start;
        var realElapsed = TimeProvider.System.GetTimestamp() - realStart;
        Assert.Equal(0, start % (frequency / 1000));

        // The same span as the precise clock, within the tick count's resolution (a few milliseconds; 20 ms of slack).
        Assert.InRange(elapsed, realElapsed - (frequency / 50), realElapsed + (frequency / 50));
    }
}
