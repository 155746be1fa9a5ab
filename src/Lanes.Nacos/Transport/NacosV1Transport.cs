using Lanes.Nacos.Client;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Subscriptions;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Transport;

/// <summary>
/// Nacos's v1 open API: registration with heartbeats, lists polled with <c>udpPort</c> and <c>clientIP</c> so the
/// server pushes every change over UDP to <see cref="NacosPushReceiver"/>, which hands it to the catalog.
/// </summary>
internal sealed class NacosV1Transport(
    NacosNamingClient client,
    NacosPushReceiver pushReceiver,
    IOptions<NacosOptions> options,
    NacosConnectionStatus status,
    NacosMetrics metrics,
    NacosPushRouter pushes) : HttpNamingTransport(client, status)
{
    private readonly Lock _gate = new();
    private string? _clientIp;
    private bool _pushStarted;

    public override NacosTransport Kind => NacosTransport.V1;

    public override bool Pushes => pushReceiver.Port > 0;

    protected override Task RegisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.RegisterAsync(instance, cancellationToken);

    protected override Task DeregisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.DeregisterAsync(instance, cancellationToken);

    protected override Task<NacosBeatResult> BeatCoreAsync(NacosInstance instance, CancellationToken cancellationToken) => Client.BeatAsync(instance, cancellationToken);

    protected override Task<PooledBuffer> ListCoreAsync(NacosServiceName service, CancellationToken cancellationToken) =>
        Client.ListAsync(service, 0, null, cancellationToken);

    protected override Task<PooledBuffer> QueryCoreAsync(NacosServiceName service, CancellationToken cancellationToken)
    {
        StartPush();
        return pushReceiver.Port > 0
            ? Client.ListAsync(service, pushReceiver.Port, _clientIp, cancellationToken)
            : Client.ListAsync(service, 0, null, cancellationToken);
    }

    private void StartPush()
    {
        lock (_gate)
        {
            if (_pushStarted)
            {
                return;
            }

            _pushStarted = true;
            var value = options.Value;
            if (!value.Push.Enabled)
            {
                return;
            }

            _clientIp = !string.IsNullOrEmpty(value.Push.ClientIp)
                ? value.Push.ClientIp
                : InstanceAddressResolver.ResolveIp(value.Registration, Environment.GetEnvironmentVariable);
            _ = pushReceiver.TryStart(pushes, metrics);
        }
    }
}
