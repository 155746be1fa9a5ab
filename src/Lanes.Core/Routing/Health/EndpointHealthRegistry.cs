using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing.Health;

/// <summary>
/// The passive health of each service's current instances. State is keyed by address so it survives a rebuild of
/// the service's lane index, and only current instances are kept, so it stays bounded. An instance whose discovery
/// entry was replaced (it re-registered, or came back after going away) starts with a clean record: providers hand
/// back the same endpoint object for an instance that did not change, so a new object means a new registration.
/// </summary>
internal sealed class EndpointHealthRegistry
{
    private readonly ConcurrentDictionary<string, FrozenDictionary<string, Entry>> _services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces the service's instances with <paramref name="targets"/>, keeping the state of those that remain, and attaches it to them.</summary>
    public void Update(string serviceName, IEnumerable<RouteTarget> targets)
    {
        var previous = _services.GetValueOrDefault(serviceName) ?? FrozenDictionary<string, Entry>.Empty;
        var current = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            var entry = previous.TryGetValue(target.Address, out var kept) && ReferenceEquals(kept.Endpoint, target.Endpoint)
                ? kept
                : current.TryGetValue(target.Address, out var sibling) && ReferenceEquals(sibling.Endpoint, target.Endpoint)
                    ? sibling
                    : new Entry(target.Endpoint, new EndpointHealth());
            current[target.Address] = entry;
            target.Health = entry.Health;
        }

        _services[serviceName] = current.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Entry(ServiceEndpoint Endpoint, EndpointHealth Health);
}
