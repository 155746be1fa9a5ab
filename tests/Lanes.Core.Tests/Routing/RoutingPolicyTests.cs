using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Lanes.Diagnostics;
using Lanes.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Tests.Routing;

/// <summary>Fallback policies, passive health and retries, through a real client pipeline that ends in a scripted handler.</summary>
public class RoutingPolicyTests
{
    private static readonly Lane Gray = Lane.Parse("gray");

    private static Dictionary<string, string?> Orders(params (int Port, string? Lane)[] instances) =>
        TestHosts.Instances("orders", instances.Select(i => ($"http://127.0.0.1:{i.Port}", i.Lane, 1.0)).ToArray());

    [Fact]
    public async Task StrictLane_WithoutInstance_IsRefusedNamingServiceAndLane()
    {
        var configuration = Orders((5001, null));
        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        var script = new ScriptedHandler();
        using var host = await StartAsync(configuration, script);

        using (LaneContext.Enter(Gray))
        {
            var error = await Assert.ThrowsAsync<LaneUnavailableException>(() => Client(host).GetAsync("http://orders/"));
            Assert.Equal(("orders", Gray), (error.ServiceName, error.Lane));
            Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'gray'", error.Message, StringComparison.Ordinal);
        }

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            await Client(host).GetAsync("http://orders/");   // other lanes stay loose
        }

        Assert.Equal([5001], script.Ports);
    }

    [Fact]
    public async Task StrictLane_AppliesOnlyToItsMemberServices()
    {
        var configuration = Orders((5001, null));
        foreach (var (key, value) in TestHosts.Instances("payments", ("http://127.0.0.1:6001", null, 1)))
        {
            configuration[key] = value;
        }

        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        configuration["Lanes:Routing:Lanes:gray:Services:0"] = "payments";
        var script = new ScriptedHandler();
        using var host = await StartAsync(configuration, script);

        using (LaneContext.Enter(Gray))
        {
            await Client(host).GetAsync("http://orders/");   // not a member: loose, to base
            await Assert.ThrowsAsync<LaneUnavailableException>(() => Client(host).GetAsync("http://payments/"));
        }

        Assert.Equal([5001], script.Ports);
    }

    [Fact]
    public async Task DefaultFallback_CanBeStrict()
    {
        var configuration = Orders((5001, null), (5002, "gray"));
        configuration["Lanes:Routing:DefaultFallback"] = "Strict";
        using var host = await StartAsync(configuration, new ScriptedHandler());

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            await Assert.ThrowsAsync<LaneUnavailableException>(() => Client(host).GetAsync("http://orders/"));
        }
    }

    [Fact]
    public async Task ConfiguredBaseLane_CountsAsBase_ForInstancesAndRequests()
    {
        var configuration = Orders((5001, "stable"), (5002, "gray"));
        configuration["Lanes:Routing:BaseLane"] = "stable";
        var script = new ScriptedHandler();
        using var host = await StartAsync(configuration, script);

        await Client(host).GetAsync("http://orders/");
        using (LaneContext.Enter(Lane.Parse("stable")))
        {
            await Client(host).GetAsync("http://orders/");
        }

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            await Client(host).GetAsync("http://orders/");
        }

        Assert.Equal([5001, 5001, 5001], script.Ports);
    }

    [Fact]
    public async Task FiveHundred_EjectsTheInstance_ForTheEjectionWindow_ThenItReturns()
    {
        var time = new FakeTimeProvider();
        var script = new ScriptedHandler { FailOnce = { [5002] = HttpStatusCode.ServiceUnavailable } };
        using var host = await StartAsync(Orders((5001, null), (5002, "gray")), script, time);

        using (LaneContext.Enter(Gray))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Client(host).GetAsync("http://orders/")).StatusCode);
            await Client(host).GetAsync("http://orders/");      // ejected: the lane is unhealthy, loose -> base
            time.Advance(TimeSpan.FromSeconds(9));
            await Client(host).GetAsync("http://orders/");      // still inside the 10 s window
            time.Advance(TimeSpan.FromSeconds(2));
            await Client(host).GetAsync("http://orders/");      // window over: back in its lane
        }

        Assert.Equal([5002, 5001, 5001, 5002], script.Ports);
    }

    [Fact]
    public async Task UnhealthyStrictLane_IsRefused()
    {
        var configuration = Orders((5001, null), (5002, "gray"));
        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        var script = new ScriptedHandler { FailOnce = { [5002] = HttpStatusCode.InternalServerError } };
        using var host = await StartAsync(configuration, script);

        using (LaneContext.Enter(Gray))
        {
            await Client(host).GetAsync("http://orders/");
            await Assert.ThrowsAsync<LaneUnavailableException>(() => Client(host).GetAsync("http://orders/"));
        }
    }

    [Fact]
    public async Task ConnectionRefused_IsSentToAnotherInstanceOfTheLane_Transparently()
    {
        var script = new ScriptedHandler { Refuse = { 5002 } };
        using var host = await StartAsync(Orders((5001, null), (5002, "gray"), (5003, "gray")), script);

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Client(host).GetAsync("http://orders/")).StatusCode);
            }
        }

        // One refused attempt, then the dead instance is ejected and every call lands on the live one.
        Assert.Equal(1, script.Ports.Count(p => p == 5002));
        Assert.Equal(6, script.Ports.Count(p => p == 5003));
        Assert.DoesNotContain(5001, script.Ports);
    }

    [Fact]
    public async Task ConnectionRefused_OnTheOnlyLaneInstance_FallsBackToBase_WhenLoose()
    {
        var script = new ScriptedHandler { Refuse = { 5002 } };
        using var host = await StartAsync(Orders((5001, null), (5002, "gray")), script);

        using (LaneContext.Enter(Gray))
        {
            Assert.Equal(HttpStatusCode.OK, (await Client(host).GetAsync("http://orders/")).StatusCode);
        }

        Assert.Equal([5002, 5001], script.Ports);
        Assert.Equal(["gray", "gray"], script.Lanes);   // the tag stays on the fallback call
    }

    [Fact]
    public async Task StandardResilienceRetry_StaysInTheLane_AndAvoidsTheFailedInstance()
    {
        var script = new ScriptedHandler { FailOnce = { [5002] = HttpStatusCode.ServiceUnavailable } };
        var configuration = Orders((5001, null), (5002, "gray"), (5003, "gray"));
        configuration["Lanes:Routing:PassiveHealth:ConsecutiveFailures"] = "5";   // not ejected: avoidance alone must steer the retry
        using var host = await StartAsync(configuration, script, configure: services =>
            services.AddHttpClient("resilient")
                .AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero).Services
                .AddHttpClient("resilient").AddLanes().ConfigurePrimaryHttpMessageHandler(() => script));

        using (LaneContext.Enter(Gray))
        {
            var response = await host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("resilient").GetAsync("http://orders/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([5002, 5003], script.Ports);
        Assert.Equal(["gray", "gray"], script.Lanes);
    }

    [Fact]
    public async Task HedgedAttempts_StayInTheLane()
    {
        var script = new ScriptedHandler { Delay = { [5002] = TimeSpan.FromSeconds(5) } };
        using var host = await StartAsync(Orders((5001, null), (5002, "gray"), (5003, "gray")), script, configure: services =>
            services.AddHttpClient("hedged").AddLanes()
                .AddStandardHedgingHandler().Configure(o => o.Hedging.Delay = TimeSpan.FromMilliseconds(50)).Services
                .AddHttpClient("hedged").ConfigurePrimaryHttpMessageHandler(() => script));

        using (LaneContext.Enter(Gray))
        {
            var response = await host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("hedged").GetAsync("http://orders/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains(5003, script.Ports);
        Assert.DoesNotContain(5001, script.Ports);
    }

    [Fact]
    public async Task Decisions_AreCountedWithServiceLaneAndReason_AndRecordedOnTheActivity()
    {
        using var host = await StartAsync(Orders((5001, null), (5002, "gray")), new ScriptedHandler());
        using var collector = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.routing.decisions");
        using var listener = new ActivityListener { ShouldListenTo = _ => true, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");
        using var activity = source.StartActivity("request")!;

        using (LaneContext.Enter(Gray))
        {
            await Client(host).GetAsync("http://orders/");
        }

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            await Client(host).GetAsync("http://orders/");
        }

        await Client(host).GetAsync("http://orders/");

        var reasons = collector.GetMeasurementSnapshot().Select(m => ($"{m.Tags["service"]}", $"{m.Tags["lane"]}", $"{m.Tags["reason"]}")).ToArray();
        Assert.Equal([("orders", "gray", "lane_matched"), ("orders", "blue", "fallback_no_lane_instance"), ("orders", "base", "base")], reasons);
        var events = activity.Events.Where(e => e.Name == "lanes.route").ToArray();
        Assert.Equal(3, events.Length);
        Assert.Equal("fallback_no_lane_instance", events[1].Tags.Single(t => t.Key == "lanes.reason").Value);
        Assert.Equal("127.0.0.1:5001", new Uri((string)events[1].Tags.Single(t => t.Key == "lanes.instance").Value!).Authority);
    }

    [Theory]
    [InlineData("Lanes:Routing:Lanes:gray:Fallback", "Sometimes", "Lanes:Routing:Lanes:gray:Fallback")]
    [InlineData("Lanes:Routing:DefaultFallback", "Sometimes", "Lanes:Routing:DefaultFallback")]
    [InlineData("Lanes:Routing:BaseLane", "Stable!", "Lanes:Routing:BaseLane")]
    [InlineData("Lanes:Routing:PassiveHealth:ConsecutiveFailures", "0", "Lanes:Routing:PassiveHealth:ConsecutiveFailures")]
    [InlineData("Lanes:Routing:PassiveHealth:EjectionTime", "00:00:00", "Lanes:Routing:PassiveHealth:EjectionTime")]
    public async Task InvalidRoutingOptions_StopStartup_NamingTheKey(string key, string value, string expected)
    {
        var configuration = Orders((5001, null));
        configuration[key] = value;
        var builder = TestHosts.Builder(configuration);
        builder.Services.AddTrafficLanesCore();
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static HttpClient Client(IHost host) => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

    private static async Task<IHost> StartAsync(Dictionary<string, string?> configuration, ScriptedHandler script, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var builder = TestHosts.Builder(configuration);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddHttpClient("svc").AddLanes().ConfigurePrimaryHttpMessageHandler(() => script);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Answers by instance port: 200, a one-off failure status, a refused connection, or a slow answer.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly ConcurrentQueue<(int Port, string? Lane)> _calls = new();

        public ConcurrentDictionary<int, HttpStatusCode> FailOnce { get; } = new();

        public HashSet<int> Refuse { get; } = [];

        public Dictionary<int, TimeSpan> Delay { get; } = [];

        public int[] Ports => _calls.Select(c => c.Port).ToArray();

        public string[] Lanes => _calls.Select(c => c.Lane ?? "(none)").ToArray();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var port = request.RequestUri!.Port;
            _calls.Enqueue((port, request.Headers.TryGetValues("x-mse-tag", out var lane) ? lane.Single() : null));
            if (Refuse.Contains(port))
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:" + port + ")");
            }

            if (Delay.TryGetValue(port, out var delay))
            {
                await Task.Delay(delay, cancellationToken);
            }

            var status = FailOnce.TryRemove(port, out var failure) ? failure : HttpStatusCode.OK;
            return new HttpResponseMessage(status) { RequestMessage = request };
        }
    }
}
