using Lanes.Nacos.Client;

namespace Lanes.Nacos.Transport;

/// <summary>
/// What the HTTP transports share: every exchange goes through <see cref="NacosNamingClient"/>, and an answer after a
/// run of failures, or a heartbeat the server no longer recognises, tells the rest of the client that the registry
/// came back (and may still be filling up).
/// </summary>
internal abstract class HttpNamingTransport(NacosNamingClient client, NacosConnectionStatus status) : INacosNamingTransport
{
    private int _failing;

    protected NacosNamingClient Client { get; } = client;

    public abstract NacosTransport Kind { get; }

    public bool UsesHeartbeats => true;

    public abstract bool Pushes { get; }

    public Task RegisterAsync(NacosInstance instance, CancellationToken cancellationToken) =>
        TrackAsync(RegisterCoreAsync(instance, cancellationToken));

    public Task DeregisterAsync(NacosInstance instance, CancellationToken cancellationToken) =>
        TrackAsync(DeregisterCoreAsync(instance, cancellationToken));

    public async Task<NacosBeatResult> BeatAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        var result = await TrackAsync(BeatCoreAsync(instance, cancellationToken)).ConfigureAwait(false);
        if (result.InstanceNotFound)
        {
            // The server lost this instance: it restarted (empty) or expired it. Others are re-registering too.
            status.MarkRecovered();
        }

        return result;
    }

    public Task<PooledBuffer> QueryAsync(NacosServiceName service, CancellationToken cancellationToken) =>
        TrackAsync(QueryCoreAsync(service, cancellationToken));

    public async Task ProbeAsync(NacosServiceName service, CancellationToken cancellationToken)
    {
        using var answer = await TrackAsync(ListCoreAsync(service, cancellationToken)).ConfigureAwait(false);
    }

    protected abstract Task RegisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken);

    protected abstract Task DeregisterCoreAsync(NacosInstance instance, CancellationToken cancellationToken);

    protected abstract Task<NacosBeatResult> BeatCoreAsync(NacosInstance instance, CancellationToken cancellationToken);

    protected abstract Task<PooledBuffer> ListCoreAsync(NacosServiceName service, CancellationToken cancellationToken);

    protected virtual Task<PooledBuffer> QueryCoreAsync(NacosServiceName service, CancellationToken cancellationToken) =>
        ListCoreAsync(service, cancellationToken);

    private async Task TrackAsync(Task exchange) => await TrackAsync(AsResult(exchange)).ConfigureAwait(false);

    private async Task<T> TrackAsync<T>(Task<T> exchange)
    {
        try
        {
            var result = await exchange.ConfigureAwait(false);
            status.Set(Kind, Client.CurrentServer, connected: true);
            if (Interlocked.Exchange(ref _failing, 0) == 1)
            {
                status.MarkRecovered();
            }

            return result;
        }
        catch (NacosException ex) when (ex.Transient)
        {
            // No server answered at all (the client wraps the last failure): an outage, not a refusal.
            Interlocked.Exchange(ref _failing, 1);
            status.Set(Kind, Client.CurrentServer, connected: false);
            throw;
        }
    }

    private static async Task<bool> AsResult(Task exchange)
    {
        await exchange.ConfigureAwait(false);
        return true;
    }
}
