using Lanes.Routing;

namespace Lanes.Yarp.Routing;

/// <summary>One routing decision at the gateway, for the diagnostics page.</summary>
internal readonly record struct LaneDecision(DateTimeOffset At, string Cluster, string Lane, RouteReason Reason, string? Destination);
