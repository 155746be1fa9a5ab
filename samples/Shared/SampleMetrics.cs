using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Lanes.Samples;

/// <summary>
/// The samples' Prometheus scrape endpoint, <c>/metrics</c>: ASP.NET Core's <c>http.server.request.duration</c> and
/// HttpClient's <c>http.client.request.duration</c>, each with the request's lane as <c>lanes.lane</c> (Prometheus label
/// <c>lanes_lane</c>), and Lanes' own meter. Probes and scrapes are not requests of the service: <c>/healthz</c> and
/// <c>/metrics</c> opt out of the request metrics, so every consumer (dashboards, SLOs, the lane-vs-base analysis)
/// counts users' requests only, instead of each query having to know every service's infrastructure routes.
/// </summary>
internal static class SampleMetrics
{
    public const string Path = "/metrics";

    public static void AddSampleMetrics(this WebApplicationBuilder builder) =>
        builder.Services.AddOpenTelemetry().WithMetrics(static metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddTrafficLanesInstrumentation()
            .AddPrometheusExporter());

    public static void MapSampleMetrics(this WebApplication app) => app.MapPrometheusScrapingEndpoint(Path).DisableHttpMetrics();

    /// <summary>The readiness probe's endpoint, kept out of the request metrics as <c>/metrics</c> is.</summary>
    public static void MapSampleHealth(this WebApplication app) => app.MapGet("/healthz", static () => "ok").DisableHttpMetrics();

    /// <summary>The Prometheus label of the lane attribute.</summary>
    public static string LaneLabel => LanesDiagnostics.LaneTag.Replace('.', '_');
}
