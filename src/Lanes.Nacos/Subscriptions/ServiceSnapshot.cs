using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Subscriptions;

/// <summary>One version of a service's instance list, with the token that fires when the next version replaces it.</summary>
internal sealed class ServiceSnapshot
{
    public ServiceSnapshot(ServiceEndpoint[] endpoints, IReadOnlyDictionary<ulong, ServiceEndpoint>? byHost, ulong hash, bool hasData, bool fromFailoverCache, bool keepsMissing = false)
    {
        KeepsMissing = keepsMissing;
        Endpoints = endpoints;
        ByHost = byHost;
        Hash = hash;
        HasData = hasData;
        FromFailoverCache = fromFailoverCache;
        ChangeToken = new CancellationChangeToken(Changed.Token);
    }

    public ServiceEndpoint[] Endpoints { get; }

    /// <summary>The endpoints by the hash of the host JSON they were read from, for reuse by the next version.</summary>
    public IReadOnlyDictionary<ulong, ServiceEndpoint>? ByHost { get; }

    /// <summary>The hash of the answer this version was read from (see <see cref="ServiceInfoParser.Summarize"/>).</summary>
    public ulong Hash { get; }

    /// <summary>Whether any list was ever read (from a server, a push or the failover cache).</summary>
    public bool HasData { get; }

    public bool FromFailoverCache { get; }

    /// <summary>Whether the list also holds instances the registry did not report (kept by empty-push protection after it came back).</summary>
    public bool KeepsMissing { get; }

    public CancellationTokenSource Changed { get; } = new();

    public IChangeToken ChangeToken { get; }
}
