namespace Lanes.Samples.Gateway;

/// <summary>
/// The entry gateway: YARP forwards everything to service A; Lanes' entry rules (appsettings.json,
/// <c>Lanes:Entry</c>) put <c>User-Agent: xiaoming</c> into the gray lane, and Lanes picks A's instance.
/// </summary>
public static class SampleGateway
{
    /// <summary>Builds the gateway; <see cref="WebApplication.Run(string?)"/> starts it.</summary>
    public static WebApplication CreateApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddTrafficLanes();
        if (builder.Configuration.GetSection("Lanes:Nacos:ServerAddresses").Exists())
        {
            builder.Services.AddNacosDiscovery();   // the gateway finds A in Nacos but does not register itself
        }
        else if (builder.Configuration.GetSection("Lanes:Kubernetes").Exists())
        {
            builder.Services.AddTrafficLanesKubernetes();   // A's pods from its EndpointSlices, lanes from pod labels
        }

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddLanes();

        var app = builder.Build();
        app.UseTrafficLanes();
        app.MapGet("/healthz", () => "ok");
        app.MapReverseProxy();
        return app;
    }
}
