using System.Diagnostics.CodeAnalysis;
using Lanes.Kubernetes.Cluster;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Discovery;

/// <summary>
/// Plugs Kubernetes into Microsoft.Extensions.ServiceDiscovery: a host that names a Service (<c>orders</c>,
/// <c>orders.shop</c>, <c>orders.shop.svc.cluster.local</c>, with an optional <c>_port.</c> prefix) resolves to the
/// ready endpoints of its EndpointSlices, each carrying its pod's lane. Providers are thin views over the shared
/// <see cref="KubernetesServiceCatalog"/>.
/// </summary>
internal sealed class KubernetesServiceEndpointProviderFactory(KubernetesServiceCatalog catalog) : IServiceEndpointProviderFactory
{
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = null;
        if (!KubernetesServiceName.TryParse(query.ServiceName, query.EndpointName, catalog.Options.ClusterDomain, out var name))
        {
            return false;
        }

        var ns = name.Namespace ?? catalog.HomeNamespace;
        if (catalog.GetNamespace(ns) is not { } view)
        {
            provider = new UnavailableServiceEndpointProvider(
                $"namespace '{ns}' is not watched: {catalog.Options.MaxNamespaces} namespaces are watched already (Lanes:Kubernetes:MaxNamespaces)");
            return true;
        }

        provider = new KubernetesServiceEndpointProvider(view, view.Acquire(name.Service), name.PortName, catalog.Options.InitialSyncTimeout);
        return true;
    }
}
