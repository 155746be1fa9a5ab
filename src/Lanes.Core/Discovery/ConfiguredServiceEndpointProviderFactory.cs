using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Discovery;

/// <summary>
/// Plugs the embedded discovery into Microsoft.Extensions.ServiceDiscovery: services listed under
/// <c>Lanes:Services</c> resolve to their configured instances, each carrying its <see cref="ServiceInstance"/>.
/// </summary>
internal sealed class ConfiguredServiceEndpointProviderFactory(ConfiguredServiceCatalog catalog) : IServiceEndpointProviderFactory
{
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = catalog.Contains(query.ServiceName) ? new Provider(catalog, query.ServiceName) : null;
        return provider is not null;
    }

    private sealed class Provider(ConfiguredServiceCatalog catalog, string serviceName) : IServiceEndpointProvider
    {
        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            // A provider earlier in the chain already answered: it wins, as with the built-in providers.
            if (endpoints.Endpoints.Count != 0)
            {
                return default;
            }

            var configured = catalog.GetEndpoints(serviceName, out var changeToken);
            foreach (var endpoint in configured)
            {
                endpoints.Endpoints.Add(endpoint);
            }

            endpoints.AddChangeToken(changeToken);
            return default;
        }

        public ValueTask DisposeAsync() => default;

        public override string ToString() => $"Lanes configuration ({LanesOptions.SectionName}:Services:{serviceName})";
    }
}
