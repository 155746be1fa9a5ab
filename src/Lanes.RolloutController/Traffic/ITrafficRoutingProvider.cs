using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic;

/// <summary>
/// Rewrites entry objects (Ingress, Gateway routes, custom resources) for a canary step. Implementations must be
/// idempotent: <see cref="EnsureRoutesAsync"/> returns <see langword="true"/> only when nothing had to change.
/// </summary>
public interface ITrafficRoutingProvider
{
    /// <summary>Name for logs, for example <c>mse-ingress</c>.</summary>
    string Name { get; }

    /// <summary>Whether this provider handles the given target.</summary>
    bool CanRoute(TrafficRoutingRef target);

    /// <summary>Applies the rules; <see langword="true"/> when they were already in place.</summary>
    ValueTask<bool> EnsureRoutesAsync(TrafficRoutingRequest request, CancellationToken cancellationToken);

    /// <summary>Routes everything back to stable; <see langword="true"/> when done.</summary>
    ValueTask<bool> FinaliseAsync(TrafficRoutingRequest request, CancellationToken cancellationToken);
}
