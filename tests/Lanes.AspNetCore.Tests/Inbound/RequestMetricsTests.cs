using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.AspNetCore.Tests.Inbound;

/// <summary>
/// ASP.NET Core's and HttpClient's own request metrics carry the request's lane, on real Kestrel: a front app that
/// calls a downstream app through an <c>AddTrafficLanes()</c> client. Collectors are scoped to each app's meter factory,
/// so tests running beside these do not add measurements.
/// </summary>
public sealed class RequestMetricsTests : IAsyncLifetime
{
    private WebApplication _downstream = null!;
    private WebApplication _front = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var downstream = LoopbackApp.Builder();
        downstream.Services.AddTrafficLanes();
        _downstream = downstream.Build();
        _downstream.UseTrafficLanes();
        _downstream.Run(static context => context.Response.WriteAsync("down"));
        await _downstream.StartAsync();

        var front = LoopbackApp.Builder(new Dictionary<string, string?>
        {
            ["Lanes:Services:down:0:Url"] = _downstream.Urls.Single(),
            ["Lanes:Metrics:MaxLanes"] = "3",
        });
        front.Services.AddTrafficLanes();
        front.Services.AddHttpClient("down").AddTrafficLanes();
        _front = front.Build();
        _front.UseTrafficLanes();
        _front.Run(static async context =>
        {
            var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("down");
            await context.Response.WriteAsync(await client.GetStringAsync("http://down/", context.RequestAborted));
        });
        (_, _client) = await LoopbackApp.StartAsync(_front);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _front.DisposeAsync();
        await _downstream.DisposeAsync();
    }

    [Fact]
    public async Task GrayRequest_CarriesItsLane_OnServerAndClientDuration_AtEveryHop()
    {
        using var frontServer = ServerDurations(_front);
        using var frontClient = ClientDurations(_front);
        using var downServer = ServerDurations(_downstream);

        await SendAsync("gray");

        Assert.Equal("gray", Lane(Assert.Single(await WaitAsync(frontServer, 1))));
        Assert.Equal("gray", Lane(Assert.Single(await WaitAsync(frontClient, 1))));
        Assert.Equal("gray", Lane(Assert.Single(await WaitAsync(downServer, 1))));
    }

    [Fact]
    public async Task BaseRequest_CarriesBase()
    {
        using var frontServer = ServerDurations(_front);
        using var frontClient = ClientDurations(_front);
        using var downServer = ServerDurations(_downstream);

        await SendAsync(lane: null);

        Assert.Equal("base", Lane(Assert.Single(await WaitAsync(frontServer, 1))));
        Assert.Equal("base", Lane(Assert.Single(await WaitAsync(frontClient, 1))));
        Assert.Equal("base", Lane(Assert.Single(await WaitAsync(downServer, 1))));
    }

    [Fact]
    public async Task PastTheCap_TheNextDistinctLane_IsOther_AndCounted()
    {
        using var frontServer = ServerDurations(_front);
        using var overflow = new MetricCollector<long>(_front.Services.GetRequiredService<IMeterFactory>(), LanesDiagnostics.Name, "lanes.metrics.lane_overflow");

        // Lanes:Metrics:MaxLanes is 3 on the front app; base takes no slot.
        foreach (var lane in new[] { "cap-1", "cap-2", null, "cap-3", "cap-4", "cap-1" })
        {
            await SendAsync(lane);
        }

        var lanes = string.Join(",", (await WaitAsync(frontServer, 6)).Select(Lane));
        Assert.Equal("cap-1,cap-2,base,cap-3,(other),cap-1", lanes);
        Assert.True(overflow.GetMeasurementSnapshot().Sum(m => m.Value) >= 1);   // the client metric of cap-4 counts too
    }

    private async Task SendAsync(string? lane)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (lane is not null)
        {
            request.Headers.Add("x-mse-tag", lane);
        }

        using var response = await _client.SendAsync(request);
        Assert.Equal("down", await response.Content.ReadAsStringAsync());
    }

    private static MetricCollector<double> ServerDurations(WebApplication app) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), "Microsoft.AspNetCore.Hosting", "http.server.request.duration");

    private static MetricCollector<double> ClientDurations(WebApplication app) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), "System.Net.Http", "http.client.request.duration");

    private static string? Lane(CollectedMeasurement<double> measurement) =>
        measurement.Tags.TryGetValue(LanesDiagnostics.LaneTag, out var value) ? value as string : null;

    // The server records its duration after the response is sent: wait for it, bounded.
    private static async Task<IReadOnlyList<CollectedMeasurement<double>>> WaitAsync(MetricCollector<double> collector, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await collector.WaitForMeasurementsAsync(count, timeout.Token);
        return collector.GetMeasurementSnapshot();
    }
}
