using Lanes.Nacos.Client;

namespace Lanes.Nacos.Transport;

/// <summary>
/// Nacos 3.x's v3 HTTP client API (<c>/nacos/v3/client/ns/instance</c>): registration with heartbeats and polled lists.
/// The API has no push; lists are polled at the shortest refresh interval.
/// </summary>
internal sealed class NacosHttpTransport(NacosNamingClient client, NacosConnectionStatus status) : HttpNamingTransport(client, status)
{
    public override NacosTransport Kind => NacosTransport.Http;

    public override bool Pushes => false;

    protected override Task RegisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.RegisterV3Async(instance, cancellationToken);

    protected override Task DeregisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.DeregisterV3Async(instance, cancellationToken);

    protected override Task<NacosBeatResult> BeatCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.BeatV3Async(instance, cancellationToken);

    protected override Task<PooledBuffer> ListCoreAsync(NacosServiceName service, CancellationToken cancellationToken) => Client.ListV3Async(service, cancellationToken);
}
