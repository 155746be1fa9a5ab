using Lanes.Routing;

namespace Lanes.Extensibility;

/// <summary>Stable names of <see cref="RouteReason"/> values for metrics, span attributes, logs and the route header.</summary>
public static class RouteReasons
{
    /// <summary>The name of a reason: <c>base</c>, <c>lane_matched</c>, <c>fallback_no_lane_instance</c>, <c>fallback_lane_unhealthy</c>, <c>strict_rejection</c>.</summary>
    /// <param name="reason">The reason.</param>
    public static string Name(RouteReason reason) => reason switch
    {
        RouteReason.Base => "base",
        RouteReason.LaneMatched => "lane_matched",
        RouteReason.FallbackNoLaneInstance => "fallback_no_lane_instance",
        RouteReason.FallbackLaneUnhealthy => "fallback_lane_unhealthy",
        RouteReason.StrictRejection => "strict_rejection",
        _ => "unknown",
    };
}
