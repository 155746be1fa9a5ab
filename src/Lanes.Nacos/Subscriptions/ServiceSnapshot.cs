using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Subscriptions;

/// <summary>One version of a service's instance list, with the token that fires when the next version replaces it.</summary>
internal sealed class ServiceSnapshot
{
    public ServiceSnapshot(ServiceEndpoint[] endpoints, ulong hostsHash, bool hasData, bool fromFailoverCache)
    {
        Endpoints = endpoints;
        HostsHash = hostsHash;
        HasData = hasData;
        FromFailoverCache = fromFailoverCache;
        ChangeToken = new CancellationChangeToken(Changed.Token);
    }

    public ServiceEndpoint[] Endpoints { get; }

    /// <summary>The hash of the raw <c>hosts</c> JSON this version was read from.</summary>
    public ulong HostsHash { get; }

    /// <summary>Whether any list was ever read (from a server, a push or the failover cache).</summary>
    public bool HasData { get; }

    public bool FromFailoverCache { get; }

    public CancellationTokenSource Changed { get; } = new();

    public IChangeToken ChangeToken { get; }
}
