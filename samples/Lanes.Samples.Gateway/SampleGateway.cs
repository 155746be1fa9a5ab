using Microsoft.Extensions.Configuration.Json;

namespace Lanes.Samples.Gateway;

/// <summary>
/// The entry gateway: YARP forwards everything to service A. Lanes expands <c>http://sample-a</c> into A's instances
/// with their lanes, the lane step keeps each request in its lane before YARP balances, the entry rules
/// (<c>Lanes:Entry:Rules</c>, plus <c>Lanes:Entry:RulesDirectory</c> when set) put <c>User-Agent: xiaoming</c> into
/// the gray lane, and lanes sent by outside clients are removed. The seed's rule is built in for the local demo
/// (demo-rules.json); <c>Sample:DemoRules=false</c> leaves it out, so on Kubernetes a lane opens only while the
/// rollout controller writes the TrafficRouting's rule into the mounted rules directory.
/// <c>/lanes</c> shows the rules in force, A's instances by lane and recent decisions; <c>/metrics</c> serves Prometheus
/// the request metrics of the gateway by lane.
/// </summary>
public static class SampleGateway
{
    /// <summary>Builds the gateway; <see cref="WebApplication.Run(string?)"/> starts it.</summary>
    public static WebApplication CreateApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (builder.Configuration.GetValue("Sample:DemoRules", true))
        {
            // Lowest precedence, so rules given in appsettings.json, the environment or the command line win.
            builder.Configuration.Sources.Insert(0, new JsonConfigurationSource { Path = "demo-rules.json", Optional = true, FileProvider = builder.Configuration.GetFileProvider() });
        }

        if (builder.Configuration.GetSection("Lanes:Nacos:ServerAddresses").Exists())
        {
            builder.Services.AddTrafficLanesNacosDiscovery();   // the gateway finds A in Nacos but does not register itself
        }
        else if (builder.Configuration.GetSection("Lanes:Kubernetes").Exists())
        {
            builder.Services.AddTrafficLanesKubernetes();   // A's pods from its EndpointSlices, lanes from pod labels
        }

        builder.AddSampleMetrics();
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTrafficLanes();

        var app = builder.Build();
        app.UseTrafficLanes();
        app.MapSampleHealth();
        app.MapSampleMetrics();
        app.MapTrafficLanesDiagnostics();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseTrafficLanes();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
