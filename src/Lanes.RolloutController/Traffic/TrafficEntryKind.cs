namespace Lanes.RolloutController.Traffic;

/// <summary>Which field of a traffic routing reference names the entry object.</summary>
internal enum TrafficEntryKind
{
    /// <summary><c>ingress</c>: an Ingress (or a Lanes gateway with <c>classType: lanes</c>).</summary>
    Ingress,

    /// <summary><c>gateway.httpRouteName</c>: a Gateway API HTTPRoute.</summary>
    HttpRoute,

    /// <summary><c>customNetworkRefs[]</c>: any other object.</summary>
    Custom,
}
