using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.Yarp.Tests;

/// <summary>
/// A lane-aware YARP gateway on loopback Kestrel in front of real backend instances of one service, <c>orders</c>,
/// discovered through the embedded <c>Lanes:Services</c>. Each backend answers <c>name|lane header|baggage</c>.
/// </summary>
internal sealed class Gateway : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    private Gateway()
    {
    }

    public WebApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public Dictionary<string, Backend> Backends { get; } = [];

    /// <param name="backends">Name and lane (null for base) of each instance of <c>orders</c>.</param>
    /// <param name="settings">More gateway configuration.</param>
    public static async Task<Gateway> StartAsync((string Name, string? Lane)[] backends, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, bool withLaneStep = true)
    {
        var gateway = new Gateway();
        var configuration = new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:all:ClusterId"] = "orders",
            ["ReverseProxy:Routes:all:Match:Path"] = "{**catch-all}",
            ["ReverseProxy:Clusters:orders:Destinations:orders:Address"] = "http://orders",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < backends.Length; i++)
        {
            var backend = await Backend.StartAsync(backends[i].Name);
            gateway._apps.Add(backend.App);
            gateway.Backends[backends[i].Name] = backend;
            configuration[$"Lanes:Services:orders:{i.ToString(CultureInfo.InvariantCulture)}:Url"] = backend.Url;
            if (backends[i].Lane is { } lane)
            {
                configuration[$"Lanes:Services:orders:{i.ToString(CultureInfo.InvariantCulture)}:Lane"] = lane;
            }
        }

        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy")).AddTrafficLanes();
        var app = builder.Build();
        app.UseTrafficLanes();
        app.MapTrafficLanesDiagnostics();
        app.MapReverseProxy(proxy =>
        {
            if (withLaneStep)
            {
                proxy.UseTrafficLanes();
            }

            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        await app.StartAsync();
        gateway._apps.Add(app);
        gateway.App = app;
        gateway.Client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        return gateway;
    }

    /// <summary>Sends GET / with the headers; returns the backend's answer split into name, lane header and baggage.</summary>
    public async Task<(string Name, string Lane, string Baggage)> GetAsync(params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return ($"status {(int)response.StatusCode}", string.Empty, body);
        }

        var parts = body.Split('|');
        return (parts[0], parts[1], parts[2]);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>One instance: answers <c>name|lane header|baggage</c>; <see cref="Healthy"/> drives its <c>/healthz</c>.</summary>
    internal sealed class Backend
    {
        public WebApplication App { get; private init; } = null!;

        public string Url { get; private init; } = null!;

        public volatile bool Healthy = true;

        public static async Task<Backend> StartAsync(string name)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
            builder.Services.AddRoutingCore();
            var app = builder.Build();
            Backend? self = null;
            app.Run(context =>
            {
                if (context.Request.Path == "/healthz")
                {
                    context.Response.StatusCode = self!.Healthy ? 200 : 503;
                    return Task.CompletedTask;
                }

                return context.Response.WriteAsync($"{name}|{context.Request.Headers["x-mse-tag"]}|{context.Request.Headers["baggage"]}");
            });
            await app.StartAsync();
            self = new Backend { App = app, Url = app.Urls.Single() };
            return self;
        }
    }
}
