using System.Globalization;
using Lanes.Extensibility;
using Lanes.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;

namespace Lanes.Yarp.Routing;

/// <summary>
/// The last check before a request leaves the gateway: the destination YARP chose must be of the request's lane or
/// base. It holds whatever the pipeline is (a proxy pipeline without <c>UseTrafficLanes()</c> would balance over every lane):
/// a request about to break the lane invariant fails with 502 instead. With the route header on, it also writes the
/// gateway's hop into it. It also gives the forwarded request its lane as <c>lanes.lane</c> on HttpClient's
/// <c>http.client.request.duration</c>, as the propagation handler does for a service's HttpClients.
/// </summary>
internal sealed class LaneInvariantTransform(LaneRoutingPolicy policy, LanesMetrics metrics) : RequestTransform
{
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        metrics.EnrichClientMetrics(context.ProxyRequest, LaneContext.Current);
        var destination = context.HttpContext.GetReverseProxyFeature().ProxiedDestination;
        if (destination is null)
        {
            return default;
        }

        var destinationLane = LanePartition.LaneOf(destination, policy.BaseLane);
        var lane = policy.Normalize(LaneContext.Current);
        if (destinationLane is not null && !string.Equals(destinationLane, lane.Name, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"A '{lane}' request was about to go to destination '{destination.DestinationId}' of lane '{destinationLane}'. Add the lane step to the proxy pipeline: app.MapReverseProxy(proxy => {{ proxy.UseTrafficLanes(); proxy.UseSessionAffinity(); proxy.UseLoadBalancing(); proxy.UsePassiveHealthChecks(); }})."));
        }

        if (RouteTrace.Current is { } trace && context.HttpContext.Items[LaneDestinationsMiddleware.ReasonItem] is RouteReason reason)
        {
            var service = destination.Model.Config.Metadata?.GetValueOrDefault(Discovery.LaneMetadata.Service) ?? context.HttpContext.GetReverseProxyFeature().Cluster.Config.ClusterId;
            trace.Add($"{service}={destinationLane ?? Lane.BaseName}@{destination.Model.Config.Address.TrimEnd('/')} ({RouteReasons.Name(reason)})");
        }

        return default;
    }
}
