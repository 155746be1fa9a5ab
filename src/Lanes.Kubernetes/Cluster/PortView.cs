using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Cluster;

/// <summary>A Service's endpoints on one port, or why there are none.</summary>
internal sealed class PortView(ServiceEndpoint[] endpoints, string? problem)
{
    public ServiceEndpoint[] Endpoints { get; } = endpoints;

    /// <summary>Why <see cref="Endpoints"/> is empty, when that is an error rather than a Service scaled to zero.</summary>
    public string? Problem { get; } = problem;
}
