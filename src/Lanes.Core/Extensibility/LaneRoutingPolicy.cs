using System.Collections.Frozen;
using Lanes.Routing;

namespace Lanes.Extensibility;

/// <summary>
/// The routing rules of <c>Lanes:Routing</c> that a package choosing instances itself (as Lanes.Yarp does before
/// YARP's load balancing) applies, so every router in a process agrees with Lanes' own HTTP routing: which lane a
/// request routes by and what a lane does when its service has no healthy instance of it. Registered by
/// <c>AddTrafficLanesCore()</c>; resolve it from the service provider.
/// </summary>
public sealed class LaneRoutingPolicy
{
    private readonly string? _baseLane;
    private readonly LaneFallback _defaultFallback;
    private readonly FrozenDictionary<string, (LaneFallback Fallback, FrozenSet<string>? Services)> _fallbacks;

    internal LaneRoutingPolicy(LaneRoutingOptions routing)
    {
        _baseLane = string.IsNullOrEmpty(routing.BaseLane) ? null : routing.BaseLane;
        _defaultFallback = routing.DefaultFallback;
        var fallbacks = new Dictionary<string, (LaneFallback, FrozenSet<string>?)>(StringComparer.Ordinal);
        foreach (var (lane, policy) in routing.Lanes)
        {
            if (policy.Fallback is { } fallback)
            {
                fallbacks[lane] = (fallback, policy.Services.Count == 0 ? null : policy.Services.ToFrozenSet(StringComparer.OrdinalIgnoreCase));
            }
        }

        _fallbacks = fallbacks.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The configured name of the base lane (<c>Lanes:Routing:BaseLane</c>), or <see langword="null"/> when none is set.</summary>
    public string? BaseLane => _baseLane;

    /// <summary>The lane a request routes by: the configured base lane counts as base.</summary>
    /// <param name="lane">The request's lane.</param>
    public Lane Normalize(Lane lane) =>
        _baseLane is not null && string.Equals(lane.Name, _baseLane, StringComparison.Ordinal) ? Lane.Base : lane;

    /// <summary>What a request of <paramref name="lane"/> for <paramref name="serviceName"/> does when the service has no healthy instance of the lane.</summary>
    /// <param name="serviceName">The service the request is for.</param>
    /// <param name="lane">The request's lane, as <see cref="Normalize"/> returns it.</param>
    public LaneFallback FallbackFor(string serviceName, Lane lane)
    {
        if (lane.IsBase || _fallbacks.Count == 0 || !_fallbacks.TryGetValue(lane.Name!, out var policy))
        {
            return _defaultFallback;
        }

        return policy.Services is null || policy.Services.Contains(serviceName) ? policy.Fallback : _defaultFallback;
    }
}
