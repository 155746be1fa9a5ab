namespace Lanes.RolloutController.Api;

/// <summary>Spec of a TrafficRouting.</summary>
internal sealed class TrafficRoutingSpec
{
    /// <summary>The entry objects (Service plus Ingress or route).</summary>
    public List<TrafficRoutingRef> ObjectRef { get; set; } = [];

    /// <summary>What canary traffic is.</summary>
    public TrafficRoutingStrategy Strategy { get; set; } = new();
}
