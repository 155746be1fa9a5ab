using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

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

    private static async Task<IHost> StartDetectorAsync(Dictionary<string, string?>? configuration = null)
    {
        var builder = LoopbackApp.Builder(configuration);
        builder.Services.AddTrafficLanes();
        builder.Services.AddHttpClient("echo").AddLanes();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
