using Lanes.Nacos.Client;

namespace Lanes.Nacos.Transport;

/// <summary>One way of talking to Nacos's naming service: registration, heartbeats where needed, and instance lists.</summary>
internal interface INacosNamingTransport
{
    NacosTransport Kind { get; }

    /// <summary>Whether ephemeral instances are kept alive by heartbeats (HTTP) rather than by the connection (gRPC).</summary>
    bool UsesHeartbeats { get; }

    /// <summary>Whether changes are pushed to this client, so polling is only a safety net.</summary>
    bool Pushes { get; }

    /// <summary>Registers (or updates) an instance; on gRPC it is registered again after every reconnect until deregistered.</summary>
    Task RegisterAsync(NacosInstance instance, CancellationToken cancellationToken);

    Task DeregisterAsync(NacosInstance instance, CancellationToken cancellationToken);

    Task<NacosBeatResult> BeatAsync(NacosInstance instance, CancellationToken cancellationToken);

    /// <summary>The service's current <c>ServiceInfo</c> document; where the transport pushes, also (re)subscribes to its changes.</summary>
    Task<PooledBuffer> QueryAsync(NacosServiceName service, CancellationToken cancellationToken);

    /// <summary>An authenticated read that subscribes to nothing: proves the server accepts this client's credentials.</summary>
    Task ProbeAsync(NacosServiceName service, CancellationToken cancellationToken);
}
