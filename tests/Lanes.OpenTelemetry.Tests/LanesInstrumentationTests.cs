using System.Diagnostics;
using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Lanes.OpenTelemetry.Tests;

/// <summary>
/// Lanes with OpenTelemetry on real loopback hosts: the lane on server and client spans, Lanes' metrics through the
/// meter provider, and OpenTelemetry baggage in both directions.
/// </summary>
public sealed class LanesInstrumentationTests : IAsyncLifetime
{
    private readonly LockedList<Activity> _serverSpans = new();
    private readonly LockedList<Activity> _clientSpans = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();
    private WebApplication _base = null!;
    private WebApplication _gray = null!;
    private IHost _caller = null!;

    public async Task InitializeAsync()
    {
        _base = await TracedHosts.StartServiceAsync("orders-base", _serverSpans);
        _gray = await TracedHosts.StartServiceAsync("orders-gray", _serverSpans);
        _caller = await TracedHosts.StartCallerAsync(_base.Urls.Single(), _gray.Urls.Single(), _clientSpans, _metrics, mirror: false);
    }

    public async Task DisposeAsync()
    {
        await _caller.StopAsync();
        _caller.Dispose();
        await _gray.DisposeAsync();
        await _base.DisposeAsync();
    }

    [Fact]
    public async Task CallInALane_TagsTheClientSpanAndTheServerSpan()
    {
        string answer;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/spans-gray"));
        }

        Assert.StartsWith("orders-gray|gray|", answer, StringComparison.Ordinal);
        var client = Assert.Single(_clientSpans.Snapshot(), s => s.Kind == ActivityKind.Client && UrlEndsWith(s, "/spans-gray"));
        Assert.Equal("gray", client.GetTagItem(LanesDiagnostics.LaneTag));
        var server = await TracedHosts.ServerSpanAsync(_serverSpans, "/spans-gray");
        Assert.Equal("gray", server.GetTagItem(LanesDiagnostics.LaneTag));
    }

    [Fact]
    public async Task BaseCall_LeavesSpansUntagged()
    {
        var answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/spans-base"));

        Assert.StartsWith("orders-base|base|", answer, StringComparison.Ordinal);
        var client = Assert.Single(_clientSpans.Snapshot(), s => s.Kind == ActivityKind.Client && UrlEndsWith(s, "/spans-base"));
        Assert.Null(client.GetTagItem(LanesDiagnostics.LaneTag));
        var server = await TracedHosts.ServerSpanAsync(_serverSpans, "/spans-base");
        Assert.Null(server.GetTagItem(LanesDiagnostics.LaneTag));
    }

    [Fact]
    public async Task RoutingDecisions_AreExportedByTheMeterProvider()
    {
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            await Orders(_caller).GetStringAsync(new Uri("http://orders/metrics"));
        }

        await Orders(_caller).GetStringAsync(new Uri("http://orders/metrics"));
        _caller.Services.GetRequiredService<MeterProvider>().ForceFlush();

        var points = Points("lanes.routing.decisions");
        Assert.Contains(points, p => p.Tags["lanes.lane"] == "gray" && p.Tags["reason"] == "lane_matched" && p.Tags["service"] == "orders" && p.Sum >= 1);
        Assert.Contains(points, p => p.Tags["lanes.lane"] == "base" && p.Tags["reason"] == "base" && p.Sum >= 1);
    }

    [Fact]
    public async Task LaneInOpenTelemetryBaggage_IsHonouredWhenNoLaneIsSet()
    {
        Baggage.SetBaggage("x-mse-tag", "gray");

        var answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/from-baggage"));

        Assert.StartsWith("orders-gray|gray|", answer, StringComparison.Ordinal);
        var client = Assert.Single(_clientSpans.Snapshot(), s => s.Kind == ActivityKind.Client && UrlEndsWith(s, "/from-baggage"));
        Assert.Equal("gray", client.GetTagItem(LanesDiagnostics.LaneTag));
    }

    [Fact]
    public async Task LaneHeaderOnTheRequest_WinsOverBaggage()
    {
        Baggage.SetBaggage("x-mse-tag", "gray");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://orders/header-wins"));
        request.Headers.Add("x-mse-tag", "base");

        using var response = await Orders(_caller).SendAsync(request);

        Assert.StartsWith("orders-base|", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AmbientLane_WinsOverBaggage()
    {
        Baggage.SetBaggage("x-mse-tag", "blue");
        using var scope = LaneContext.Enter(Lane.Parse("gray"));

        var answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/ambient-wins"));

        Assert.StartsWith("orders-gray|gray|", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedLaneInBaggage_IsBase_AndCounted()
    {
        Baggage.SetBaggage("x-mse-tag", "Not A Lane");

        var answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/malformed"));

        Assert.StartsWith("orders-base|base|", answer, StringComparison.Ordinal);
        _caller.Services.GetRequiredService<MeterProvider>().ForceFlush();
        Assert.Contains(Points("lanes.carrier.rejected"), p => p.Tags["carrier"] == "otel-baggage" && p.Tags["reason"] == "invalid" && p.Sum >= 1);
    }

    [Fact]
    public async Task LaneAwareCall_WithOtherBaggage_KeepsTheLaneMemberNextToIt()
    {
        // OpenTelemetry's HttpClient instrumentation writes Baggage.Current as the baggage header; the lane must survive it.
        Baggage.SetBaggage("tenant", "acme");
        string answer;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/with-baggage"));
        }

        var parts = answer.Split('|');
        Assert.Equal(("orders-gray", "gray"), (parts[0], parts[1]));
        Assert.Contains("x-mse-tag=gray", parts[2], StringComparison.Ordinal);
        Assert.Contains("tenant=acme", parts[2], StringComparison.Ordinal);

        // The lane went into the call's own copy of the baggage, not into the caller's.
        Assert.Null(Baggage.GetBaggage("x-mse-tag"));
        Assert.Equal("acme", Baggage.GetBaggage("tenant"));
    }

    [Fact]
    public async Task WithoutMirroring_APlainClientInALane_SendsNoLaneBaggage()
    {
        string answer;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            answer = await Plain(_caller).GetStringAsync(new Uri(new Uri(_base.Urls.Single()), "/no-mirror"));
        }

        Assert.Equal("orders-base|base|", answer);
    }

    [Fact]
    public async Task WithMirroring_APlainClientInALane_CarriesTheLaneInOpenTelemetryBaggage()
    {
        // A second caller that mirrors; this one stops first, so only the mirroring caller's processor sees the call.
        await _caller.StopAsync();
        _caller.Dispose();
        _caller = await TracedHosts.StartCallerAsync(_base.Urls.Single(), _gray.Urls.Single(), _clientSpans, _metrics, mirror: true);

        string answer;
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            // No AddTrafficLanes() on this client: the lane reaches the Lanes service only through OpenTelemetry's propagator.
            answer = await Plain(_caller).GetStringAsync(new Uri(new Uri(_base.Urls.Single()), "/mirror"));
        }

        var parts = answer.Split('|');
        Assert.Equal("orders-base", parts[0]);
        Assert.Equal("gray", parts[1]);
        Assert.Contains("x-mse-tag=gray", parts[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithMirroring_AQueueConsumersBaseJobs_AfterAGrayJob_StayBase()
    {
        await UseMirroringCallerAsync();

        // One consumer flow (with a baggage context of its own, empty) handles queued jobs; a job with a lane enters it,
        // a base job enters nothing. The gray job's lane must end with its scope, also in OpenTelemetry's baggage.
        Baggage.ClearBaggage();
        var answers = new List<string>();
        foreach (var lane in new[] { "gray", null, null })
        {
            using var scope = lane is null ? default : LaneContext.Enter(Lane.Parse(lane));
            answers.Add(await Orders(_caller).GetStringAsync(new Uri("http://orders/consumer")));
        }

        Assert.StartsWith("orders-gray|gray|", answers[0], StringComparison.Ordinal);
        Assert.All(answers[1..], answer =>
        {
            Assert.StartsWith("orders-base|base|", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("x-mse-tag", answer, StringComparison.Ordinal);
        });
        Assert.Null(Baggage.GetBaggage("x-mse-tag"));
    }

    [Fact]
    public async Task WithMirroring_ASpanStartedInALane_CarriesTheLaneInBaggageOnlyWhileItLasts()
    {
        await UseMirroringCallerAsync();
        using var source = new ActivitySource(LanesDiagnostics.Name);
        Baggage.SetBaggage("tenant", "acme");

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            using (var span = source.StartActivity("job"))
            {
                Assert.NotNull(span);
                Assert.Equal("gray", Baggage.GetBaggage("x-mse-tag"));
            }

            Assert.Null(Baggage.GetBaggage("x-mse-tag"));
        }

        Assert.Equal("acme", Baggage.GetBaggage("tenant"));
    }

    [Fact]
    public async Task EnteringBaseOnPurpose_OverridesALaneInBaggage_AndDoesNotSendItOn()
    {
        Baggage.SetBaggage("x-mse-tag", "gray");
        Baggage.SetBaggage("tenant", "acme");

        string answer;
        using (LaneContext.Enter(Lane.Base))
        {
            answer = await Orders(_caller).GetStringAsync(new Uri("http://orders/explicit-base"));
        }

        var parts = answer.Split('|');
        Assert.Equal(("orders-base", "base"), (parts[0], parts[1]));
        Assert.DoesNotContain("x-mse-tag", parts[2], StringComparison.Ordinal);
        Assert.Contains("tenant=acme", parts[2], StringComparison.Ordinal);
        Assert.Equal("gray", Baggage.GetBaggage("x-mse-tag"));   // the caller's own baggage is left as it was
    }

    private async Task UseMirroringCallerAsync()
    {
        // The mirroring caller replaces the plain one, so only its processor sees the calls.
        await _caller.StopAsync();
        _caller.Dispose();
        _caller = await TracedHosts.StartCallerAsync(_base.Urls.Single(), _gray.Urls.Single(), _clientSpans, _metrics, mirror: true);
    }

    private static HttpClient Orders(IHost host) => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

    private static HttpClient Plain(IHost host) => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("plain");

    private static bool UrlEndsWith(Activity span, string path) =>
        span.GetTagItem("url.full") is string url && url.EndsWith(path, StringComparison.Ordinal);

    private List<(Dictionary<string, string?> Tags, long Sum)> Points(string name)
    {
        var points = new List<(Dictionary<string, string?>, long)>();
        foreach (var snapshot in _metrics.Snapshot().Where(m => m.Name == name))
        {
            foreach (var point in snapshot.MetricPoints)
            {
                var tags = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value?.ToString();
                }

                points.Add((tags, point.GetSumLong()));
            }
        }

        return points;
    }
}
