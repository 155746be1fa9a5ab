using System.Diagnostics.CodeAnalysis;
using Lanes.Nacos.Subscriptions;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Discovery;

/// <summary>
/// Plugs Nacos into Microsoft.Extensions.ServiceDiscovery: a host that maps to a Nacos service resolves to
/// its instances, each carrying its <see cref="Lanes.Discovery.ServiceInstance"/> (lane, weight, health, metadata).
/// Providers are thin views over the shared <see cref="NacosServiceCatalog"/>.
/// </summary>
internal sealed class NacosServiceEndpointProviderFactory(NacosServiceCatalog catalog) : IServiceEndpointProviderFactory
{
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = null;
        if (!catalog.TryResolve(query.ServiceName, out var service) || catalog.Subscribe(service) is not { } subscription)
        {
            return false;
        }

        provider = new NacosServiceEndpointProvider(subscription);
        return true;
    }
}
