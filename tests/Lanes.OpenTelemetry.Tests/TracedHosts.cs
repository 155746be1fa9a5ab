using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lanes.OpenTelemetry.Tests;

/// <summary>Real hosts with OpenTelemetry and the in-memory exporters: Lanes services on Kestrel at 127.0.0.1, and a caller.</summary>
internal static class TracedHosts
{
    /// <summary>A Lanes service that answers <c>instance|ambient lane|baggage header</c> and exports its spans.</summary>
    public static async Task<WebApplication> StartServiceAsync(string instance, ICollection<Activity> spans)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddTrafficLanes();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddAspNetCoreInstrumentation()
            .AddTrafficLanesInstrumentation()
            .AddInMemoryExporter(spans));
        var app = builder.Build();
        app.UseTrafficLanes();
        app.Run(context => context.Response.WriteAsync(
            $"{instance}|{LaneContext.Current}|{context.Request.Headers["baggage"]}"));
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// A caller with a lane-aware client "orders" (base and gray instances), a plain client "plain" without
    /// Lanes, HttpClient tracing, Lanes' instrumentation and metrics, all exported in memory.
    /// </summary>
    public static async Task<IHost> StartCallerAsync(
        string baseUrl,
        string grayUrl,
        ICollection<Activity> spans,
        ICollection<MetricSnapshot> metrics,
        bool mirror)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Services:orders:0:Url"] = baseUrl,
            ["Lanes:Services:orders:1:Url"] = grayUrl,
            ["Lanes:Services:orders:1:Lane"] = "gray",
        });
        builder.Services.AddLogging();
        builder.Services.AddHttpClient("orders").AddTrafficLanes();
        builder.Services.AddHttpClient("plain");
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddHttpClientInstrumentation()
                .AddTrafficLanesInstrumentation(o => o.MirrorLaneToBaggage = mirror)
                .AddInMemoryExporter(spans))
            .WithMetrics(meters => meters
                .AddTrafficLanesInstrumentation()
                .AddInMemoryExporter(metrics));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Waits, in a bounded number of steps, for the server span of a request to end and be exported.</summary>
    public static async Task<Activity> ServerSpanAsync(LockedList<Activity> spans, string path)
    {
        for (var i = 0; i < 1000; i++)
        {
            var span = spans.Snapshot().LastOrDefault(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("url.path"), path));
            if (span is not null)
            {
                return span;
            }

            await Task.Delay(5);
        }

        throw new InvalidOperationException($"No server span for {path} was exported.");
    }
}
