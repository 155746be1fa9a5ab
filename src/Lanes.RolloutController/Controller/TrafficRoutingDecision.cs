using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Controller;

/// <summary>What one TrafficRouting pass should do.</summary>
internal sealed record TrafficRoutingDecision(
    bool AddFinalizer,
    bool RemoveFinalizer,
    bool EnsureRoutes,
    bool RestoreRoutes,
    TrafficRoutingStatus Status,
    bool StatusChanged);
