namespace Lanes.Routing;

/// <summary>The instance chosen for one request and why; <paramref name="Partition"/> holds the instances it was chosen among, <paramref name="PickedAt"/> when.</summary>
internal readonly record struct RouteSelection(string ServiceName, Lane Lane, RouteTarget Target, RouteReason Reason, InstancePicker Partition, long PickedAt);
