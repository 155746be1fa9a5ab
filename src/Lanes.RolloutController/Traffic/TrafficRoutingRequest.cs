namespace Lanes.RolloutController.Traffic;

/// <summary>What a provider should route for one entry object.</summary>
/// <param name="Namespace">Namespace of the owner, the Services and the entry object.</param>
/// <param name="Owner">The Rollout or TrafficRouting that asks; it owns what the provider creates.</param>
/// <param name="Entry">The entry object and where it is named in the owner's spec.</param>
/// <param name="StableService">The Service that serves the stable version.</param>
/// <param name="CanaryService">The Service canary traffic goes to; equal to <paramref name="StableService"/> when the lane is told apart by pod labels.</param>
/// <param name="Strategy">Which requests are canary traffic and how they are marked.</param>
/// <param name="OnlyTrafficRouting">True for a shared TrafficRouting (end-to-end lanes): no canary Service exists.</param>
internal sealed record TrafficRoutingRequest(
    string Namespace,
    TrafficRoutingOwner Owner,
    TrafficEntry Entry,
    string StableService,
    string CanaryService,
    TrafficStrategy Strategy,
    bool OnlyTrafficRouting)
{
    /// <summary>The owner for messages, e.g. <c>TrafficRouting default/mse-traffic</c>.</summary>
    public string OwnerDescription => $"{Owner.Kind} {Namespace}/{Owner.Name}";
}
