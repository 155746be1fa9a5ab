using Lanes.Discovery;
using Lanes.Extensibility;
using Lanes.Kubernetes.Cluster;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Discovery;

/// <summary>
/// Serves one Kubernetes Service's endpoints on one port from its namespace's shared watches. It never throws
/// because the API server is unreachable: it serves the last known endpoints with a change token that fires only
/// when they change; when there are none it says why (the Service does not exist, a permission is missing).
/// </summary>
internal sealed class KubernetesServiceEndpointProvider(NamespaceView view, ServiceState service, string? portName, TimeSpan initialSyncTimeout) : IServiceEndpointProvider
{
    private int _disposed;

    public async ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        // A provider earlier in the chain already answered: it wins, as with the built-in providers.
        if (endpoints.Endpoints.Count != 0)
        {
            return;
        }

        var listed = await view.WaitForFirstLoadAsync(initialSyncTimeout, cancellationToken).ConfigureAwait(false);
        var snapshot = service.Current;
        if (!listed)
        {
            endpoints.Features.Set(new DiscoveryProblem(
                $"the Kubernetes API server did not list EndpointSlices and pods in namespace '{view.Name}' within {initialSyncTimeout.TotalSeconds:0.#} s (Lanes:Kubernetes:InitialSyncTimeout)"));
            endpoints.AddChangeToken(snapshot.ChangeToken);
            return;
        }

        var current = snapshot.GetView(portName);
        var list = current.Endpoints;
        for (var i = 0; i < list.Length; i++)
        {
            endpoints.Endpoints.Add(list[i]);
        }

        if (list.Length == 0 && current.Problem is { } problem)
        {
            endpoints.Features.Set(new DiscoveryProblem(problem));
        }

        endpoints.AddChangeToken(snapshot.ChangeToken);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            view.Release(service);
        }

        return default;
    }

    public override string ToString() => portName is null ? $"Kubernetes ({view.Name}/{service.Name})" : $"Kubernetes ({view.Name}/{service.Name}, port {portName})";
}
