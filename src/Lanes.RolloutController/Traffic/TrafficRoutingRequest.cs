using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic;

/// <summary>What a provider should route for one target.</summary>
/// <param name="Namespace">Namespace of the owner and the target.</param>
/// <param name="OwnerName">The Rollout or TrafficRouting that asks.</param>
/// <param name="Target">The Service and entry object.</param>
/// <param name="Traffic">Traffic share such as <c>"50%"</c>, if any.</param>
/// <param name="Matches">Requests that always go to the canary.</param>
/// <param name="RequestHeaderModifier">Header rewrites for canary traffic.</param>
/// <param name="OnlyTrafficRouting">True for a shared TrafficRouting (end-to-end lanes): the canary Service is the stable Service.</param>
public sealed record TrafficRoutingRequest(
    string Namespace,
    string OwnerName,
    TrafficRoutingRef Target,
    string? Traffic,
    IReadOnlyList<HttpRouteMatch> Matches,
    HttpHeaderFilter? RequestHeaderModifier,
    bool OnlyTrafficRouting);
