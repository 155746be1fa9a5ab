using Lanes.Discovery;
using Lanes.Extensibility;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Discovery;

/// <summary>A Kubernetes service name Lanes will not follow (past a bound): no endpoints, and why.</summary>
internal sealed class UnavailableServiceEndpointProvider(string problem) : IServiceEndpointProvider
{
    public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        if (endpoints.Endpoints.Count == 0)
        {
            endpoints.Features.Set(new DiscoveryProblem(problem));
        }

        return default;
    }

    public ValueTask DisposeAsync() => default;

    public override string ToString() => "Kubernetes (unavailable)";
}
