namespace Lanes.Kubernetes.Cluster;

/// <summary>One TCP port of an EndpointSlice: the Service port's name and the port the pods listen on.</summary>
internal readonly record struct SlicePort(string Name, int Number);
