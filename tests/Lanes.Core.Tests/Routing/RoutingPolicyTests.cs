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
using static Lanes.Tests.Routing.ScriptedInstances;

namespace Lanes.Tests.Routing;

/// <summary>Fallback policies, passive health and retries, through a real client pipeline that ends in a scripted handler.</summary>
public class RoutingPolicyTests
{
    private static readonly Lane Gray = Lane.Parse("gray");

    [Fact]
    public async Task StrictLane_WithoutInstance_IsRefusedNamingServiceAndLane()
    {
        var configuration = Orders((5001, null));
        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        var script = new ScriptedInstances();
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
        var script = new ScriptedInstances();
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
        using var host = await StartAsync(configuration, new ScriptedInstances());

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
        var script = new ScriptedInstances();
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
    public async Task UnhealthyStrictLane_IsRefused()
    {
        var configuration = Orders((5001, null), (5002, "gray"));
        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        var script = new ScriptedInstances().Then(5002, Outcome.Dropped, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync(configuration, script);

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 2; i++)
            {
                await Assert.ThrowsAsync<HttpRequestException>(() => Client(host).GetAsync("http://orders/"));
            }

            await Assert.ThrowsAsync<LaneUnavailableException>(() => Client(host).GetAsync("http://orders/"));
        }

        Assert.Equal([5002, 5002], script.Ports);
    }

    [Fact]
    public async Task ConnectionRefused_IsSentToAnotherInstanceOfTheLane_Transparently()
    {
        var script = new ScriptedInstances().Always(5002, Outcome.Refused);
        using var host = await RoutingHost.StartAsync(Orders((5001, null), (5002, "gray"), (5003, "gray")), script);

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Client(host).GetAsync("http://orders/")).StatusCode);
            }
        }

        // One refused attempt, then the dead instance is ejected and every call lands on the live one.
        Assert.Equal([5002, 5003, 5003, 5003, 5003, 5003, 5003], script.Ports);
    }

    [Fact]
    public async Task ConnectionRefused_OnTheOnlyLaneInstance_FallsBackToBase_WhenLoose()
    {
        var script = new ScriptedInstances().Always(5002, Outcome.Refused);
        using var host = await RoutingHost.StartAsync(Orders((5001, null), (5002, "gray")), script);

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Client(host).GetAsync("http://orders/")).StatusCode);
            }
        }

        // Never back to the instance that refused within a request; out after two refusals in a row (the lane's last).
        Assert.Equal([5002, 5001, 5002, 5001, 5001], script.Ports);
        Assert.All(script.Lanes, lane => Assert.Equal("gray", lane));   // the tag stays on the fallback calls
    }

    [Fact]
    public async Task SynchronousSend_HasTheSameConnectRetry_AsSendAsync()
    {
        var script = new ScriptedInstances().Then(5002, Outcome.Refused);
        using var host = await RoutingHost.StartAsync(Orders((5001, null), (5002, "gray"), (5003, "gray")), script);

        using (LaneContext.Enter(Gray))
        {
            using var response = Client(host).Send(new HttpRequestMessage(HttpMethod.Get, "http://orders/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([5002, 5003], script.Ports);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StandardResilienceRetry_StaysInTheLane_AndAvoidsTheFailedInstance(bool lanesFirst)
    {
        // 5002 weighs three times 5003: plain weighted round robin would send the retry back to 5002.
        var script = new ScriptedInstances().Then(5002, Outcome.Answer(HttpStatusCode.ServiceUnavailable));
        using var host = await RoutingHost.StartAsync(Orders((5001, null, 1), (5002, "gray", 3), (5003, "gray", 1)), script, configure: services =>
        {
            var builder = services.AddHttpClient("resilient");
            if (lanesFirst)
            {
                builder.AddTrafficLanes().AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
            }
            else
            {
                builder.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
                builder.AddTrafficLanes();
            }

            builder.ConfigurePrimaryHttpMessageHandler(() => script);
        });

        using (LaneContext.Enter(Gray))
        {
            var response = await Client(host, "resilient").GetAsync("http://orders/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([5002, 5003], script.Ports);
        Assert.Equal(["gray", "gray"], script.Lanes);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task HedgedAttempts_StayInTheLane_AndAvoidTheInstanceTheFirstAttemptWentTo(bool lanesFirst, bool firstFails)
    {
        // 5002 weighs three times 5003: plain weighted round robin would send the hedged copy to 5002 again.
        var first = firstFails ? Outcome.Answer(HttpStatusCode.InternalServerError) : Outcome.Slow(TimeSpan.FromSeconds(30));
        var script = new ScriptedInstances().Then(5002, first);
        // The hedge waits long enough for the first attempt to have picked its instance even on a loaded machine:
        // copies that pick at the very same moment cannot know of each other.
        var hedgeDelay = TimeSpan.FromSeconds(1);
        using var host = await RoutingHost.StartAsync(Orders((5001, null, 1), (5002, "gray", 3), (5003, "gray", 1)), script, configure: services =>
        {
            var builder = services.AddHttpClient("hedged");
            if (lanesFirst)
            {
                builder.AddTrafficLanes().AddStandardHedgingHandler().Configure(o => o.Hedging.Delay = hedgeDelay);
            }
            else
            {
                builder.AddStandardHedgingHandler().Configure(o => o.Hedging.Delay = hedgeDelay);
                builder.AddTrafficLanes();
            }

            builder.ConfigurePrimaryHttpMessageHandler(() => script);
        });

        using (LaneContext.Enter(Gray))
        {
            var response = await Client(host, "hedged").GetAsync("http://orders/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([5002, 5003], script.Ports);
        Assert.Equal(["gray", "gray"], script.Lanes);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task BaseInstanceFailing_BaseTrafficNeverReachesTheHealthyGrayInstance(bool resilience, bool refuses)
    {
        var script = new ScriptedInstances().Always(5001, refuses ? Outcome.Refused : Outcome.Answer(HttpStatusCode.ServiceUnavailable));
        using var host = await RoutingHost.StartAsync(Orders((5001, null), (5002, "gray")), script, configure: services =>
        {
            if (resilience)
            {
                services.AddHttpClient("svc").AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
            }
        });

        for (var i = 0; i < 5; i++)
        {
            try
            {
                var response = await Client(host).GetAsync("http://orders/");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                Assert.True(refuses, ex.Message);
            }
        }

        Assert.NotEmpty(script.Ports);
        Assert.All(script.Ports, port => Assert.Equal(5001, port));
        Assert.All(script.Lanes, lane => Assert.Equal("(none)", lane));

        using (LaneContext.Enter(Gray))
        {
            await Client(host).GetAsync("http://orders/");
        }

        Assert.Equal(5002, script.Ports[^1]);   // gray itself was healthy all along
    }

    [Fact]
    public async Task Decisions_AreCountedWithServiceLaneAndReason_AndRecordedOnTheActivity()
    {
        using var host = await StartAsync(Orders((5001, null), (5002, "gray")), new ScriptedInstances());
        using var collector = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.routing.decisions");
        using var listener = new ActivityListener { ShouldListenTo = static source => source.Name == "test", Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
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

        var reasons = collector.GetMeasurementSnapshot().Select(m => ($"{m.Tags["service"]}", $"{m.Tags["lanes.lane"]}", $"{m.Tags["reason"]}")).ToArray();
        Assert.Equal([("orders", "gray", "lane_matched"), ("orders", "blue", "fallback_no_lane_instance"), ("orders", "base", "base")], reasons);
        var events = activity.Events.Where(e => e.Name == "lanes.route").ToArray();
        Assert.Equal(3, events.Length);
        Assert.Equal("fallback_no_lane_instance", events[1].Tags.Single(t => t.Key == "lanes.reason").Value);
        Assert.Equal("127.0.0.1:5001", new Uri((string)events[1].Tags.Single(t => t.Key == "lanes.instance").Value!).Authority);
    }

    [Fact]
    public async Task Decisions_OnAnActivityNobodyListensTo_AddNoEvent()
    {
        // What ASP.NET Core's hosting layer starts for every request when only logging is on.
        using var host = await StartAsync(Orders((5001, null), (5002, "gray")), new ScriptedInstances());
        using var activity = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        Assert.True(activity.IsAllDataRequested);

        using (LaneContext.Enter(Gray))
        {
            await Client(host).GetAsync("http://orders/");
        }

        Assert.Empty(activity.Events);
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

    private static HttpClient Client(IHost host, string name = "svc") => RoutingHost.Client(host, name);

    private static Dictionary<string, string?> Orders(params (int Port, string? Lane)[] instances) => RoutingHost.Orders(instances);

    private static Dictionary<string, string?> Orders(params (int Port, string? Lane, double Weight)[] instances) => RoutingHost.Orders(instances);

    private static Task<IHost> StartAsync(Dictionary<string, string?> configuration, ScriptedInstances script) => RoutingHost.StartAsync(configuration, script);
}
