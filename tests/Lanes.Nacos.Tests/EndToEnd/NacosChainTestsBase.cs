using System.Diagnostics;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Lanes.Nacos.Tests.EndToEnd;

/// <summary>
/// The seed's chain on real loopback Kestrel hosts that register themselves in a Nacos and find each other only
/// through it: A and A-gray call B (which has no gray), B calls C or C-gray. Run over each transport by the
/// classes that say which Nacos and how to reach it.
/// </summary>
public abstract class NacosChainTestsBase(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Dictionary<string, WebApplication> _apps = [];
    private readonly Dictionary<string, int> _ports = [];
    private ServiceProvider _entry = null!;
    private HttpClient _client = null!;

    /// <summary>The Nacos address services are given.</summary>
    protected abstract string NacosAddress { get; }

    /// <summary>The transport under test, as it should be reported.</summary>
    protected abstract NacosTransport Transport { get; }

    /// <summary>Pushes the registry saw acknowledged.</summary>
    protected abstract int Acks { get; }

    protected abstract Task StartRegistryAsync();

    protected abstract ValueTask StopRegistryAsync();

    protected abstract int InstanceCount(string service);

    /// <summary>Runs <paramref name="action"/> (with the port) inside each deregistration, before the registry answers it.</summary>
    protected abstract void OnDeregister(Action<int> action);

    /// <summary>Takes an instance out of the registry behind its back (it keeps serving and never deregistered).</summary>
    protected abstract void RemoveFromRegistry(string service, int port);

    /// <summary>Transport-specific configuration of every host.</summary>
    protected virtual void Configure(Dictionary<string, string?> config)
    {
    }

    public async Task InitializeAsync()
    {
        await StartRegistryAsync();

        // Downstream first, so every service is registered before anything calls it.
        await StartAsync("C", "svc-c", lane: null, next: null);
        await StartAsync("Cgray", "svc-c", lane: "gray", next: null);
        await StartAsync("B", "svc-b", lane: null, next: "http://svc-c/");
        await StartAsync("A", "svc-a", lane: null, next: "http://svc-b/");
        await StartAsync("Agray", "svc-a", lane: "gray", next: "http://svc-b/");

        // The caller at the entry discovers svc-a through Nacos too, and registers nothing.
        var config = NacosConfig("entry");
        config["Lanes:Nacos:Registration:Enabled"] = "false";
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging();
        services.AddTrafficLanesNacosDiscovery();
        services.AddHttpClient("entry").AddTrafficLanes();
        _entry = services.BuildServiceProvider();
        _client = _entry.GetRequiredService<IHttpClientFactory>().CreateClient("entry");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _entry.DisposeAsync();
        foreach (var app in _apps.Values)
        {
            await app.DisposeAsync();
        }

        await StopRegistryAsync();
    }

    [Fact]
    public async Task BaseAndGray_RouteThroughNacos_AndGrayFallsBackWhenItsInstanceLeaves()
    {
        Assert.Equal(2, InstanceCount("svc-a"));
        Assert.Equal(1, InstanceCount("svc-b"));
        Assert.Equal(2, InstanceCount("svc-c"));
        Assert.Equal(Transport, _apps["A"].Services.GetRequiredService<NacosConnectionStatus>().Transport);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Chain("A", "B", "C"), await CallAsync(lane: null));
            Assert.Equal(Chain("Agray", "B", "Cgray"), await CallAsync(lane: "gray"));
        }

        // C-gray shuts down: it leaves Nacos while it still serves, and the push (not a poll) reroutes gray traffic to base C.
        // A prober sends gray requests all along, to time the reroute from the moment the registry takes the change.
        var servedDuringDeregistration = false;
        string? probeFailure = null;
        long registryChanged = 0;
        OnDeregister(port =>
        {
            if (port == _ports["Cgray"])
            {
                // The stand-in calls this synchronously inside its request: HttpClient's synchronous Send needs no
                // thread-pool thread, so a loaded CI machine cannot starve the probe into a timeout (GetAsync(...)
                // .GetResult() once did, and the test then blamed C-gray). C-gray's Kestrel still needs the pool, though,
                // and a CI machine running two test assemblies on 2 cores once kept it from answering within 4 s: the
                // probe waits 20 s, well inside the 30 s the hosts give a deregistration (NacosConfig).
                try
                {
                    using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
                    using var answer = probe.Send(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/"));
                    servedDuringDeregistration = answer.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    probeFailure = e.Message;
                }

                Volatile.Write(ref registryChanged, Stopwatch.GetTimestamp());
            }
        });
        var expected = Chain("Agray", "B", "C");
        string? routed = null;
        var rerouted = Task.Run(async () =>
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(40))
            {
                if ((routed = await CallAsync("gray")) == expected)
                {
                    return Stopwatch.GetTimestamp();
                }
            }

            return 0L;
        });
        var stopwatch = Stopwatch.StartNew();
        await _apps["Cgray"].StopAsync();
        var deregistered = stopwatch.Elapsed;

        var reroutedAt = await rerouted;
        Assert.True(reroutedAt != 0, $"gray traffic falls back to base C once C-gray is gone; last answer: {routed}");
        var routable = Stopwatch.GetElapsedTime(Volatile.Read(ref registryChanged), reroutedAt);
        output.WriteLine($"{Transport}: registry change to routable {routable.TotalMilliseconds:F1} ms (C-gray's stop took {deregistered.TotalMilliseconds:F0} ms; push acks: {Acks}).");

        Assert.True(servedDuringDeregistration, $"C-gray still answered requests while it deregistered (probe: {probeFailure ?? "not a success status"})");
        Assert.Equal(1, InstanceCount("svc-c"));
        await Eventually.AssertAsync(() => Acks > 0, "subscribers acknowledged the pushes");
        Assert.Equal(Chain("A", "B", "C"), await CallAsync(lane: null));
    }

    [Fact]
    public async Task GrayMovesByPush_WhenItsInstanceLeavesTheRegistry_WhileItStillServes()
    {
        Assert.Equal(Chain("Agray", "B", "Cgray"), await CallAsync(lane: "gray"));

        // C-gray leaves the registry but keeps serving: polls are 30 s apart and passive health is off, so only the
        // push can move gray traffic to base C.
        var acks = Acks;
        var stopwatch = Stopwatch.StartNew();
        RemoveFromRegistry("svc-c", _ports["Cgray"]);

        string? routed = null;
        Assert.True(
            await Eventually.TrueAsync(async () => (routed = await CallAsync("gray")) == Chain("Agray", "B", "C"), TimeSpan.FromSeconds(20)),
            $"gray traffic moves to base C once C-gray has left the registry; last answer: {routed}");
        output.WriteLine($"{Transport}: gray traffic rerouted {stopwatch.Elapsed.TotalMilliseconds:F0} ms after C-gray left the registry (push acks: {Acks - acks}).");

        using var probe = new HttpClient();
        Assert.Equal("Cgray:" + _ports["Cgray"], await probe.GetStringAsync($"http://127.0.0.1:{_ports["Cgray"]}/"));
        await Eventually.AssertAsync(() => Acks > acks, "subscribers acknowledged the push");
        Assert.Equal(Chain("A", "B", "C"), await CallAsync(lane: null));
    }

    private async Task<string> CallAsync(string? lane)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc-a/");
        if (lane is not null)
        {
            request.Headers.Add("x-mse-tag", lane);
        }

        using var response = await _client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private string Chain(params string[] hops) => string.Join(" -> ", hops.Select(h => $"{h}:{_ports[h]}"));

    private Dictionary<string, string?> NacosConfig(string name)
    {
        var config = TestServices.Config(NacosAddress);
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";
        Configure(config);

        // Polls 30 s apart and no passive health: within the tests only a push can move traffic.
        config["Lanes:Nacos:MinRefreshInterval"] = "00:00:30";
        config["Lanes:Nacos:MaxRefreshInterval"] = "00:01:00";
        config["Lanes:Routing:PassiveHealth:Enabled"] = "false";

        // A deregistration may wait on the test's probe of the leaving instance (OnDeregister) on a loaded machine;
        // a request timing out there would leave C-gray registered and fail the test for the wrong reason.
        config["Lanes:Nacos:Registration:DeregisterTimeout"] = "00:00:30";
        config["Lanes:Nacos:RequestTimeout"] = "00:00:30";
        config["Lanes:PodLabelsPath"] = "/nonexistent/" + name;
        return config;
    }

    private async Task StartAsync(string name, string service, string? lane, string? next)
    {
        var port = FakeNacos.FreeTcpPort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var config = NacosConfig(name);
        config["urls"] = $"http://127.0.0.1:{port}";
        config["Lanes:Nacos:Registration:ServiceName"] = service;
        config["Lanes:Lane"] = lane;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Services.AddTrafficLanes();
        builder.Services.AddTrafficLanesNacos();
        builder.Services.AddHttpClient("next").AddTrafficLanes();

        var app = builder.Build();
        app.UseTrafficLanes();
        app.MapGet("/", async (HttpContext context, IHttpClientFactory clients) =>
        {
            var hop = $"{name}:{port}";
            return next is null ? hop : $"{hop} -> {await clients.CreateClient("next").GetStringAsync(next, context.RequestAborted)}";
        });

        await app.StartAsync();
        _apps[name] = app;
        _ports[name] = port;
    }
}
