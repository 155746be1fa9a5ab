namespace Lanes.RolloutController.Traffic;

/// <summary>
/// Rewrites one kind of entry object (an Ingress class, Gateway API routes, a Lanes gateway's rules) for a canary
/// release. Every method is idempotent and makes at most one change per call: a call that changed something returns
/// <see cref="TrafficRoutingResult.Pending"/>, and only a call that found everything in place returns
/// <see cref="TrafficRoutingResult.Done"/>. Problems are returned as <see cref="TrafficRoutingResult.Failed"/> with a
/// message naming the object and the field; Kubernetes API errors may also be thrown and are reported the same way.
/// </summary>
internal interface ITrafficRoutingProvider
{
    /// <summary>Name for logs and messages, for example <c>mse</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Whether traffic must reach the canary through a <c>&lt;service&gt;-canary</c> Service that selects only canary
    /// pods (Ingress and Gateway API). Providers that separate the lane by pod labels (Lanes) return false.
    /// </summary>
    bool UsesCanaryService { get; }

    /// <summary>Whether this provider handles the entry object.</summary>
    bool CanRoute(TrafficEntry entry);

    /// <summary>Checks that the entry object exists and can be routed; changes nothing.</summary>
    ValueTask<TrafficRoutingResult> InitializeAsync(TrafficRoutingRequest request, CancellationToken cancellationToken);

    /// <summary>Moves the routes one change closer to the request's strategy.</summary>
    ValueTask<TrafficRoutingResult> EnsureRoutesAsync(TrafficRoutingRequest request, CancellationToken cancellationToken);

    /// <summary>Moves the routes one change closer to stable only, removing what the release added.</summary>
    ValueTask<TrafficRoutingResult> FinaliseAsync(TrafficRoutingRequest request, CancellationToken cancellationToken);
}
