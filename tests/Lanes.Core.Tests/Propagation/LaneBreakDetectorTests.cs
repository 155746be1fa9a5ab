using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Lanes.Extensibility;
using Lanes.Propagation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Tests.Propagation;

/// <summary>
/// When break detection listens to HttpClient's diagnostics: only while lanes are in use. (Detection itself, against a
/// real server, is tested in Lanes.AspNetCore.Tests.) Lanes entered and calls made anywhere in the process wake and feed
/// every detector, so these tests run alone.
/// </summary>
[Collection(LaneEntryCollection.Name)]
public sealed class LaneBreakDetectorTests
{
    // Nothing listens there: the request fails at once, after .NET has raised its request event.
    private const string Refused = "http://127.0.0.1:1/";

    [Fact]
    public async Task WithoutLaneTraffic_HttpClientsDiagnosticsAreNotListenedTo()
    {
        var detector = Detector(new FakeTimeProvider(), out _);
        await detector.StartAsync(default);
        try
        {
            using (LaneContext.Enter(Lane.Base))
            {
                await CallAsync();
            }

            await CallAsync();
            Assert.False(detector.IsWatching);
        }
        finally
        {
            await detector.StopAsync(default);
        }
    }

    [Fact]
    public async Task ALaneEntered_StartsListening_BeforeItsFirstCall()
    {
        var detector = Detector(new FakeTimeProvider(), out var breaks);
        await detector.StartAsync(default);
        try
        {
            using (LaneContext.Enter(Lane.Parse("gray")))
            {
                Assert.True(detector.IsWatching);
                await CallAsync();
            }

            Assert.Single(breaks.GetMeasurementSnapshot(), m => (string?)m.Tags["host"] == "127.0.0.1");
        }
        finally
        {
            await detector.StopAsync(default);
        }
    }

    [Fact]
    public async Task AMinuteWithoutLaneCalls_StopsListening_UntilTheNextLane()
    {
        var time = new FakeTimeProvider();
        var detector = Detector(time, out var breaks);
        await detector.StartAsync(default);
        try
        {
            using (LaneContext.Enter(Lane.Parse("gray")))
            {
                await CallAsync();
            }

            time.Advance(TimeSpan.FromMinutes(1));
            Assert.True(detector.IsWatching);   // a lane call in the last minute

            time.Advance(TimeSpan.FromMinutes(1));
            Assert.False(detector.IsWatching);  // none in this one

            await CallAsync();
            Assert.False(detector.IsWatching);  // base calls do not wake it

            using (LaneContext.Enter(Lane.Parse("gray")))
            {
                Assert.True(detector.IsWatching);
                await CallAsync();
            }

            Assert.Equal(2, breaks.GetMeasurementSnapshot().Count(m => (string?)m.Tags["host"] == "127.0.0.1"));
        }
        finally
        {
            await detector.StopAsync(default);
        }
    }

    [Fact]
    public async Task AStoppedDetector_IsNotWokenByLanes()
    {
        var detector = Detector(new FakeTimeProvider(), out _);
        await detector.StartAsync(default);
        await detector.StopAsync(default);

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            Assert.False(detector.IsWatching);
        }
    }

    private static LaneBreakDetector Detector(TimeProvider time, out MetricCollector<long> breaks)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        breaks = new MetricCollector<long>(meters, LanesDiagnostics.Name, "lanes.propagation.breaks");
        return new LaneBreakDetector(Options.Create(new LanesOptions()), new LanesMetrics(meters), time, NullLogger<LaneBreakDetector>.Instance);
    }

    private static async Task CallAsync()
    {
        using var raw = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => raw.GetAsync(Refused));
    }
}

/// <summary>Tests that enter lanes or watch lane entries process-wide, run apart from every other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LaneEntryCollection
{
    public const string Name = "lane entries";
}
