using System.Diagnostics.CodeAnalysis;
using System.Net;
using Lanes.Discovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;
using static Lanes.Tests.Routing.ScriptedInstances;

namespace Lanes.Tests.Routing;

/// <summary>
/// Which failures take an instance out of rotation, and what brings it back. Time is fake: nothing here waits for
/// an ejection to expire unless it advances the clock.
/// </summary>
public class PassiveHealthTests
{
    private static readonly Lane Gray = Lane.Parse("gray");

    [Fact]
    public async Task FiveHundredTheInstanceRelays_DoesNotEjectIt_ByDefault()
    {
        var script = new ScriptedInstances().Then(5002, Outcome.Answer(HttpStatusCode.BadGateway));
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null), (5002, "gray")), script, new FakeTimeProvider());

        var statuses = await GrayCallsAsync(host, 3);

        Assert.Equal([HttpStatusCode.BadGateway, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal([5002, 5002, 5002], script.Ports);
    }

    [Fact]
    public async Task StrictRefusalsFromFurtherDown_NeverCount_EvenWhenServerErrorsDo()
    {
        var configuration = ServerErrorsCount(RoutingHost.Orders((5001, null), (5002, "gray")), minimumCalls: 2);
        var script = new ScriptedInstances().Then(5002, Outcome.StrictRefusal, Outcome.StrictRefusal, Outcome.StrictRefusal, Outcome.StrictRefusal);
        using var host = await RoutingHost.StartAsync(configuration, script, new FakeTimeProvider());

        await GrayCallsAsync(host, 6);

        Assert.Equal(Enumerable.Repeat(5002, 6), script.Ports);
    }

    [Fact]
    public async Task RequestTheClientCouldNotSend_DoesNotEjectTheInstance()
    {
        var script = new ScriptedInstances().Then(5002, Outcome.Unsendable);
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null), (5002, "gray"), (5003, "gray")), script, new FakeTimeProvider());

        using (LaneContext.Enter(Gray))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => RoutingHost.Client(host).GetAsync("http://orders/"));
            Assert.Equal(HttpRequestError.Unknown, error.HttpRequestError);
            for (var i = 0; i < 4; i++)
            {
                await RoutingHost.Client(host).GetAsync("http://orders/");
            }
        }

        Assert.Equal([5002, 5003, 5002, 5003, 5002], script.Ports);
    }

    [Fact]
    public async Task OneTransportFailure_NeverEjectsTheLastInstanceOfALane()
    {
        var script = new ScriptedInstances().Then(5002, Outcome.Dropped, Outcome.Ok, Outcome.Dropped, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null), (5002, "gray")), script, new FakeTimeProvider());

        var statuses = await GrayCallsAsync(host, 5);

        // Dropped, answered (the streak ends), dropped, dropped (two in a row: out), then base with the lane kept.
        Assert.Equal([null, HttpStatusCode.OK, null, null, HttpStatusCode.OK], statuses);
        Assert.Equal([5002, 5002, 5002, 5002, 5001], script.Ports);
        Assert.Equal(["gray", "gray", "gray", "gray", "gray"], script.Lanes);
    }

    [Fact]
    public async Task TransportFailure_EjectsAnInstanceWithPeers_AtOnce_UntilTheEjectionTimeIsOver()
    {
        var time = new FakeTimeProvider();
        var script = new ScriptedInstances().Then(5002, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null), (5002, "gray"), (5003, "gray")), script, time);

        await GrayCallsAsync(host, 3);
        time.Advance(TimeSpan.FromSeconds(9));
        await GrayCallsAsync(host, 1);
        time.Advance(TimeSpan.FromSeconds(2));
        await GrayCallsAsync(host, 2);

        Assert.Equal([5002, 5003, 5003, 5003, 5002, 5003], script.Ports);
    }

    [Fact]
    public async Task ServerErrors_WhenCounted_EjectOnTheFailureRate_NeverOnOneAnswer()
    {
        var configuration = ServerErrorsCount(RoutingHost.Orders((5001, null), (5002, "gray"), (5003, "gray")), minimumCalls: 4);
        var error = Outcome.Answer(HttpStatusCode.InternalServerError);
        var script = new ScriptedInstances().Then(5002, error, Outcome.Ok, error, error);
        using var host = await RoutingHost.StartAsync(configuration, script, new FakeTimeProvider());

        await GrayCallsAsync(host, 11);

        // 5002's fourth call makes 3 failures in 4 (over the 50 % limit): only then is it out.
        Assert.Equal([5002, 5003, 5002, 5003, 5002, 5003, 5002, 5003, 5003, 5003, 5003], script.Ports);
    }

    [Fact]
    public async Task ServerErrors_WhenCounted_AreForgottenOnceOutOfTheWindow()
    {
        var time = new FakeTimeProvider();
        var configuration = ServerErrorsCount(RoutingHost.Orders((5001, null), (5002, "gray")), minimumCalls: 2);
        var error = Outcome.Answer(HttpStatusCode.InternalServerError);
        var script = new ScriptedInstances().Then(5002, error, error);
        using var host = await RoutingHost.StartAsync(configuration, script, time);

        await GrayCallsAsync(host, 1);
        time.Advance(TimeSpan.FromSeconds(31));
        await GrayCallsAsync(host, 2);

        // The first failure left the 30 s window before the second came: one failure in one call, not ejected.
        Assert.Equal([5002, 5002, 5002], script.Ports);
    }

    [Fact]
    public async Task LastResort_SkipsTheInstanceThisRequestCouldNotReach()
    {
        // Base 5001 weighs three times 5003: plain weighted round robin would go back to it.
        var script = new ScriptedInstances()
            .Then(5001, Outcome.Dropped)
            .Then(5003, Outcome.Dropped, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null, 3), (5003, null, 1)), script, new FakeTimeProvider());
        await EjectBothBaseInstancesAsync(host, script);

        // Every base instance is out: the last resort tries one, and the refused request must not go back to it.
        script.Always(5001, Outcome.Refused);
        var response = await RoutingHost.Client(host).GetAsync("http://orders/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([5001, 5003], script.Ports[^2..]);
    }

    [Fact]
    public async Task AnswerInLastResort_LiftsTheEjection()
    {
        var script = new ScriptedInstances()
            .Then(5001, Outcome.Dropped)
            .Then(5003, Outcome.Dropped, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync(RoutingHost.Orders((5001, null), (5003, null)), script, new FakeTimeProvider());
        await EjectBothBaseInstancesAsync(host, script);
        var before = script.Ports.Length;

        for (var i = 0; i < 5; i++)
        {
            await RoutingHost.Client(host).GetAsync("http://orders/");
        }

        // The first call is a last resort; its answer brings that instance back, the other stays out.
        var calls = script.Ports[before..];
        Assert.All(calls, port => Assert.Equal(calls[0], port));
    }

    [Fact]
    public async Task InstanceThatReRegisters_StartsWithACleanRecord_OneThatDidNotChange_DoesNot()
    {
        var discovery = new ControlledDiscovery();
        var gray = Endpoint(5002, Gray);
        var base1 = Endpoint(5001, Lane.Base);
        discovery.Set(base1, gray);
        var script = new ScriptedInstances().Then(5002, Outcome.Dropped, Outcome.Dropped);
        using var host = await RoutingHost.StartAsync([], script, new FakeTimeProvider(), services =>
            services.AddSingleton<IServiceEndpointProviderFactory>(discovery));

        await GrayCallsAsync(host, 3);
        Assert.Equal([5002, 5002, 5001], script.Ports);

        // The list changes elsewhere (another instance comes), the gray entry is the same object: still out.
        discovery.Set(base1, gray, Endpoint(5003, Lane.Base));
        await WaitForInstancesAsync(host, 3);
        await GrayCallsAsync(host, 1);
        Assert.NotEqual(5002, script.Ports[^1]);

        // The gray instance went away and registered again: a new entry for the same address, back in its lane.
        discovery.Set(base1);
        await WaitForInstancesAsync(host, 1);
        discovery.Set(base1, Endpoint(5002, Gray));
        await WaitForInstancesAsync(host, 2);
        await GrayCallsAsync(host, 1);
        Assert.Equal(5002, script.Ports[^1]);
    }

    private static async Task EjectBothBaseInstancesAsync(IHost host, ScriptedInstances script)
    {
        // 5001 drops a call (5003 is there: out at once), then 5003, the last one left, drops two in a row.
        for (var i = 0; i < 12 && !(script.Ports.Count(p => p == 5001) >= 1 && script.Ports.Count(p => p == 5003) >= 2); i++)
        {
            try
            {
                await RoutingHost.Client(host).GetAsync("http://orders/");
            }
            catch (HttpRequestException)
            {
                // scripted drops
            }
        }

        Assert.Equal(1, script.Ports.Count(p => p == 5001));
        Assert.Equal(2, script.Ports.Count(p => p == 5003));
    }

    private static Dictionary<string, string?> ServerErrorsCount(Dictionary<string, string?> configuration, int minimumCalls)
    {
        configuration["Lanes:Routing:PassiveHealth:CountServerErrors"] = "true";
        configuration["Lanes:Routing:PassiveHealth:FailureRate"] = "0.5";
        configuration["Lanes:Routing:PassiveHealth:MinimumCalls"] = minimumCalls.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return configuration;
    }

    private static async Task<HttpStatusCode?[]> GrayCallsAsync(IHost host, int count)
    {
        var statuses = new HttpStatusCode?[count];
        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < count; i++)
            {
                try
                {
                    statuses[i] = (await RoutingHost.Client(host).GetAsync("http://orders/")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    statuses[i] = null;
                }
            }
        }

        return statuses;
    }

    private static ServiceEndpoint Endpoint(int port, Lane lane) =>
        new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port), lane).ToServiceEndpoint();

    private static async Task WaitForInstancesAsync(IHost host, int count)
    {
        var resolver = host.Services.GetRequiredService<ServiceEndpointResolver>();
        for (var attempt = 0; attempt < 400; attempt++)
        {
            if ((await resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints.Count == count)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"The resolver never saw {count} instances.");
    }

    /// <summary>Discovery whose endpoint objects the test controls, as a registry's provider hands them out.</summary>
    private sealed class ControlledDiscovery : IServiceEndpointProviderFactory, IServiceEndpointProvider
    {
        private volatile Snapshot _current = new([], new());

        public void Set(params ServiceEndpoint[] endpoints)
        {
            var previous = _current;
            _current = new Snapshot(endpoints, new CancellationTokenSource());
            previous.Changed.Cancel();
        }

        public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
        {
            provider = query.ServiceName == "orders" ? this : null;
            return provider is not null;
        }

        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            var current = _current;
            foreach (var endpoint in current.Endpoints)
            {
                endpoints.Endpoints.Add(endpoint);
            }

            endpoints.AddChangeToken(new CancellationChangeToken(current.Changed.Token));
            return default;
        }

        public ValueTask DisposeAsync() => default;

        private sealed record Snapshot(ServiceEndpoint[] Endpoints, CancellationTokenSource Changed);
    }
}
