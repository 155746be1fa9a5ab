using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.AspNetCore.Tests.Propagation;

/// <summary>A raw HttpClient inside a lane, against a real loopback server that echoes the lane header it got.</summary>
public sealed class LaneBreakDetectorTests : IAsyncLifetime
{
    private WebApplication _echo = null!;
    private string _echoHost = null!;

    public async Task InitializeAsync()
    {
        var builder = LoopbackApp.Builder();
        _echo = builder.Build();
        _echo.Run(context => context.Response.WriteAsync(context.Request.Headers["x-mse-tag"].ToString()));
        await _echo.StartAsync();

        // A host name of its own, so other tests' traffic in this process cannot blur the count.
        _echoHost = $"localhost:{new Uri(_echo.Urls.Single()).Port}";
    }

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    [Fact]
    public async Task RawClientInsideALane_IsCountedAndLogged_NotRepairedByDefault()
    {
        using var host = await StartDetectorAsync();
        using var collector = Breaks(host);
        using var raw = new HttpClient();

        string echoed;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            echoed = await raw.GetStringAsync($"http://{_echoHost}/");
        }

        Assert.Equal(string.Empty, echoed);
        var measurement = Assert.Single(collector.GetMeasurementSnapshot(), m => (string?)m.Tags["host"] == "localhost");
        Assert.Equal(false, measurement.Tags["repaired"]);
        var warning = Assert.Single(Warnings(host));
        Assert.Equal(
            "A call to 'localhost' made inside lane 'gray' did not carry the lane (the call left the lane). Build the client with AddTrafficLanes(), or list the host in Lanes:Propagation:BreakDetection:IgnoredHosts if it is not a lane-aware service.",
            warning.Message);
    }

    [Fact]
    public async Task BreaksToTheSameHost_AreLoggedAtMostOnceAMinute_AndAllCounted()
    {
        var time = new FakeTimeProvider();
        using var host = await StartDetectorAsync(time: time);
        using var collector = Breaks(host);
        using var raw = new HttpClient();

        async Task BreakAsync()
        {
            using (LaneContext.Enter(Lane.Parse("gray")))
            {
                await raw.GetStringAsync($"http://{_echoHost}/");
            }
        }

        await BreakAsync();
        await BreakAsync();
        time.Advance(TimeSpan.FromSeconds(59));
        await BreakAsync();
        Assert.Single(Warnings(host));

        time.Advance(TimeSpan.FromSeconds(1));
        await BreakAsync();

        Assert.Equal(2, Warnings(host).Count);
        Assert.Equal(4, collector.GetMeasurementSnapshot().Count(m => (string?)m.Tags["host"] == "localhost"));
    }

    [Fact]
    public async Task Repair_AddsTheLaneHeader()
    {
        using var host = await StartDetectorAsync(new() { ["Lanes:Propagation:BreakDetection:Repair"] = "true" });
        using var collector = Breaks(host);
        using var raw = new HttpClient();

        string echoed;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            echoed = await raw.GetStringAsync($"http://{_echoHost}/");
        }

        Assert.Equal("gray", echoed);
        Assert.Contains(collector.GetMeasurementSnapshot(), m => (string?)m.Tags["host"] == "localhost" && Equals(m.Tags["repaired"], true));
    }

    [Fact]
    public async Task BaseCalls_AndLaneAwareClients_AreNotBreaks()
    {
        using var host = await StartDetectorAsync(new() { ["Lanes:Services:echo:0:Url"] = $"http://{_echoHost}" });
        using var collector = Breaks(host);
        using var raw = new HttpClient();
        var laneAware = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("echo");

        await raw.GetStringAsync($"http://{_echoHost}/");
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            Assert.Equal("gray", await laneAware.GetStringAsync("http://echo/"));
        }

        Assert.DoesNotContain(collector.GetMeasurementSnapshot(), m => (string?)m.Tags["host"] == "localhost");
    }

    [Fact]
    public async Task IgnoredHosts_AreNotBreaks()
    {
        using var host = await StartDetectorAsync(new() { ["Lanes:Propagation:BreakDetection:IgnoredHosts:0"] = "LOCALHOST" });
        using var collector = Breaks(host);
        using var raw = new HttpClient();

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            await raw.GetStringAsync($"http://{_echoHost}/");
        }

        Assert.DoesNotContain(collector.GetMeasurementSnapshot(), m => (string?)m.Tags["host"] == "localhost");
    }

    private static MetricCollector<long> Breaks(IHost host) =>
        new(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.propagation.breaks");

    private static List<FakeLogRecord> Warnings(IHost host) =>
        [.. host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Name == "LanePropagationBreak" && r.Message.Contains("'localhost'", StringComparison.Ordinal))];

    private static async Task<IHost> StartDetectorAsync(Dictionary<string, string?>? configuration = null, TimeProvider? time = null)
    {
        var builder = LoopbackApp.Builder(configuration);
        builder.Logging.AddFakeLogging();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddTrafficLanes();
        builder.Services.AddHttpClient("echo").AddTrafficLanes();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
