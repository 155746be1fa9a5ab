using Lanes.Yarp.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the lane step to a YARP proxy pipeline.</summary>
public static class TrafficLanesReverseProxyApplicationBuilderExtensions
{
    /// <summary>
    /// Narrows each request's available destinations to its lane (else base with the lane kept; never a lane
    /// destination for base traffic). Put it first, before YARP's own steps, so session affinity and load balancing
    /// choose within the lane:
    /// <code>app.MapReverseProxy(proxy =&gt; { proxy.UseTrafficLanes(); proxy.UseSessionAffinity(); proxy.UseLoadBalancing(); proxy.UsePassiveHealthChecks(); });</code>
    /// </summary>
    /// <param name="proxy">The proxy pipeline.</param>
    public static IReverseProxyApplicationBuilder UseTrafficLanes(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.UseMiddleware<LaneDestinationsMiddleware>();
        return proxy;
    }

    /// <summary>
    /// Maps YARP with the lane step first and YARP's standard steps after it (session affinity, load balancing, passive
    /// health checks): the same as <c>MapReverseProxy(proxy =&gt; { proxy.UseTrafficLanes(); ... })</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    public static ReverseProxyConventionBuilder MapTrafficLanesReverseProxy(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapReverseProxy(static proxy =>
        {
            proxy.UseTrafficLanes();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
    }
}
