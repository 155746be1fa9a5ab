namespace Lanes.Routing;

/// <summary>The instance chosen for one request and why.</summary>
internal readonly record struct RouteSelection(string ServiceName, Lane Lane, RouteTarget Target, RouteReason Reason);
