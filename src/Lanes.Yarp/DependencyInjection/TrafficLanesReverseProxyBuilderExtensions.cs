using Lanes.Extensibility;
using Lanes.Yarp.Discovery;
using Lanes.Yarp.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.ServiceDiscovery;
using Yarp.ReverseProxy.Transforms;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes a YARP gateway the lane-aware entry.</summary>
public static class TrafficLanesReverseProxyBuilderExtensions
{
    /// <summary>
    /// Makes the gateway lane-aware the YARP way. Destinations written as service names (<c>http://orders</c>) expand into
    /// one destination per discovered instance with its lane in the metadata, so YARP's load balancing, health checks and
    /// session affinity work as configured; <c>proxy.UseTrafficLanes()</c> in <c>MapReverseProxy</c> keeps each request in its
    /// lane. The gateway becomes the entry (<c>AddTrafficLanesEntry()</c>): lanes from untrusted clients are removed and the
    /// entry rules decide. A forwarding check refuses any request that would reach another lane's instance.
    /// </summary>
    /// <param name="builder">The reverse proxy builder.</param>
    public static IReverseProxyBuilder AddTrafficLanes(this IReverseProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrafficLanesEntry();
        builder.Services.TryAddSingleton<RecentDecisions>();

        // YARP registers a no-op resolver with TryAdd; discovery with lanes replaces it (and a plain service discovery one).
        builder.Services.Replace(ServiceDescriptor.Singleton<IDestinationResolver, LaneDestinationResolver>());
        builder.AddTransforms(static context =>
        {
            var policy = context.Services.GetRequiredService<LaneRoutingPolicy>();
            context.RequestTransforms.Add(new LaneInvariantTransform(policy, context.Services.GetRequiredService<LanesMetrics>()));
            context.ResponseTransforms.Add(RouteTraceResponseTransform.Instance);
        });
        return builder;
    }
}
