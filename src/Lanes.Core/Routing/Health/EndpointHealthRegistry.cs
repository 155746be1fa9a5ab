using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Lanes.Routing.Health;

/// <summary>
/// The passive health of each service's current instances. State is keyed by address so it survives a
/// rebuild of the service's lane index, and only current instances are kept, so it stays bounded.
/// </summary>
internal sealed class EndpointHealthRegistry
{
    private readonly ConcurrentDictionary<string, FrozenDictionary<string, EndpointHealth>> _services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces the service's instances with <paramref name="addresses"/>, keeping the state of those that remain.</summary>
    public FrozenDictionary<string, EndpointHealth> Update(string serviceName, IEnumerable<string> addresses)
    {
        var previous = _services.GetValueOrDefault(serviceName) ?? FrozenDictionary<string, EndpointHealth>.Empty;
        var current = new Dictionary<string, EndpointHealth>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            current[address] = previous.TryGetValue(address, out var health) ? health : new EndpointHealth();
        }

        var frozen = current.ToFrozenDictionary(StringComparer.Ordinal);
        _services[serviceName] = frozen;
        return frozen;
    }
}
