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
/// The seed's chain on real loopback Kestrel hosts that register themselves in a WireMock Nacos and find each
/// other only through it: A and A-gray call B (which has no gray), B calls C or C-gray.
/// </summary>
public sealed class NacosChainTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StatefulFakeNacos _nacos = new();
    private readonly Dictionary<string, WebApplication> _apps = [];
    private readonly Dictionary<string, int> _ports = [];
    private ServiceProvider _entry = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
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
        services.AddNacosDiscovery();
        services.AddHttpClient("entry").AddLanes();
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

        _nacos.Dispose();
    }

    [Fact]
    public async Task BaseAndGray_RouteThroughNacos_AndGrayMovesByPush_WhenItsInstanceLeavesTheRegistry()
    {
        Assert.Equal(2, _nacos.InstanceCount("DEFAULT_GROUP@@svc-a"));
        Assert.Equal(1, _nacos.InstanceCount("DEFAULT_GROUP@@svc-b"));
        Assert.Equal(2, _nacos.InstanceCount("DEFAULT_GROUP@@svc-c"));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Chain("A", "B", "C"), await CallAsync(lane: null));
            Assert.Equal(Chain("Agray", "B", "Cgray"), await CallAsync(lane: "gray"));
        }

        // C-gray leaves the registry but keeps serving: polls are 30 s apart and passive health is off, so only the
        // push can move gray traffic to base C.
        var acks = _nacos.Acks;
        var stopwatch = Stopwatch.StartNew();
        _nacos.Remove("DEFAULT_GROUP@@svc-c", "127.0.0.1", _ports["Cgray"]);

        string? routed = null;
        Assert.True(
            await Eventually.TrueAsync(() => (routed = CallAsync("gray").GetAwaiter().GetResult()) == Chain("Agray", "B", "C"), TimeSpan.FromSeconds(20)),
            $"gray traffic moves to base C once C-gray has left the registry; last answer: {routed}");
        output.WriteLine($"gray traffic rerouted {stopwatch.Elapsed.TotalMilliseconds:F0} ms after C-gray left the registry (push acks: {_nacos.Acks - acks}).");

        using var probe = new HttpClient();
        Assert.Equal("Cgray:" + _ports["Cgray"], await probe.GetStringAsync($"http://127.0.0.1:{_ports["Cgray"]}/"));
        Assert.True(_nacos.Acks > acks, "subscribers acknowledged the push");
        Assert.Equal(Chain("A", "B", "C"), await CallAsync(lane: null));
    }

    [Fact]
    public async Task StoppingInstance_DeregistersWhileItStillServes()
    {
        var servedDuringDeregistration = false;
        _nacos.OnDeregister = (_, port) =>
        {
            if (port == _ports["Cgray"])
            {
                using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                servedDuringDeregistration = probe.GetAsync($"http://127.0.0.1:{port}/").GetAwaiter().GetResult().IsSuccessStatusCode;
            }
        };

        await _apps["Cgray"].StopAsync();

        Assert.True(servedDuringDeregistration, "C-gray still answered requests while it deregistered");
        Assert.Equal(1, _nacos.InstanceCount("DEFAULT_GROUP@@svc-c"));
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
        var config = TestServices.Config(_nacos.Address);
        config["Lanes:Nacos:Push:Enabled"] = "true";
        config["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1";
        config["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1";
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";

        // Polls 30 s apart and no passive health: within the tests only a push can move traffic.
        config["Lanes:Nacos:MinRefreshInterval"] = "00:00:30";
        config["Lanes:Nacos:MaxRefreshInterval"] = "00:01:00";
        config["Lanes:Routing:PassiveHealth:Enabled"] = "false";
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
        builder.Services.AddHttpClient("next").AddLanes();

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
