using Lanes.Identity;
using Lanes.Samples.Service.Faults;

namespace Lanes.Samples.Service;

/// <summary>
/// One hop of the seed's chain. Configuration: <c>Sample:Name</c> (A, B or C), <c>Sample:Next</c> (the
/// next service's URL by service name, e.g. <c>http://sample-b/b</c>; empty for the last hop),
/// <c>Sample:ShowConfig</c> and <c>Sample:Config</c> (A prints <c>[config=...]</c>, "base" by default),
/// plus the usual <c>Lanes</c> section (<c>Lanes:Services</c>, <c>Lanes:Nacos</c> or <c>Lanes:Kubernetes</c> for discovery).
/// Metrics for Prometheus at <c>/metrics</c>, with the lane of each request; faults by lane for tests and demos
/// (<c>Faults:gray:ErrorShare=0.2</c>, <c>Faults:gray:AddedLatency=00:00:00.050</c>).
/// </summary>
public static class SampleService
{
    /// <summary>Builds the service; <see cref="WebApplication.Run(string?)"/> starts it.</summary>
    public static WebApplication CreateApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Lanes: the whole integration is these three calls...
        builder.Services.AddTrafficLanes();
        builder.Services.AddHttpClient("next").AddTrafficLanes();
        builder.AddSampleMetrics();
        builder.Services.AddSampleFaults();

        // ...plus Nacos, when one is configured (Lanes:Nacos:ServerAddresses), for discovery and registration;
        // or, on Kubernetes without a registry (any Lanes:Kubernetes key), discovery from EndpointSlices and pod labels.
        if (builder.Configuration.GetSection("Lanes:Nacos:ServerAddresses").Exists())
        {
            builder.Services.AddTrafficLanesNacos();
        }
        else if (builder.Configuration.GetSection("Lanes:Kubernetes").Exists())
        {
            builder.Services.AddTrafficLanesKubernetes();
        }

        var app = builder.Build();
        app.UseTrafficLanes();
        app.UseSampleFaults();

        var name = app.Configuration["Sample:Name"] ?? "A";
        var next = app.Configuration["Sample:Next"];
        var config = app.Configuration.GetValue("Sample:ShowConfig", false)
            ? $"[config={app.Configuration["Sample:Config"] ?? "base"}]"
            : string.Empty;

        app.MapSampleHealth();
        app.MapSampleMetrics();
        app.MapGet("/" + name.ToLowerInvariant(), async (HttpContext context, InstanceLane instance, IHttpClientFactory clients) =>
        {
            var lane = instance.Lane.IsBase ? string.Empty : instance.Lane.Name;
            var hop = $"{name}{lane}[{context.Connection.LocalIpAddress}:{context.Connection.LocalPort}]{config}";
            if (string.IsNullOrEmpty(next))
            {
                return Results.Text(hop);
            }

            // A downstream failure (a 503 from a strict lane, say) is passed up with its status.
            using var response = await clients.CreateClient("next").GetAsync(next, context.RequestAborted);
            var rest = await response.Content.ReadAsStringAsync(context.RequestAborted);
            return Results.Text($"{hop} -> {rest}", statusCode: (int)response.StatusCode);
        });

        return app;
    }
}
