using Lanes.Nacos.Client;
using Lanes.Nacos.Grpc;
using Lanes.Nacos.Subscriptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Transport;

/// <summary>
/// Chooses the transport once, at the first contact with a server, and hands it to registration and discovery.
/// <see cref="NacosTransport.Auto"/> tries, over the whole server list: gRPC (a server check on main port +
/// offset), then the v3 HTTP client API (Nacos 3.x), then the v1 open API (any server that answers HTTP at all).
/// While no server answers anything, every caller gets a transient failure (discovery serves the last known lists
/// and the failover cache) and the next caller tries again.
/// </summary>
internal sealed partial class NacosTransportSelector : IAsyncDisposable
{
    private const int GrpcProbeAttempts = 3;

    private readonly NacosOptions _options;
    private readonly NacosNamingClient _http;
    private readonly NacosGrpcConnection _grpc;
    private readonly IServiceProvider _services;
    private readonly NacosConnectionStatus _status;
    private readonly NacosLogThrottle _throttle;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile INacosNamingTransport? _chosen;
    private Task<INacosNamingTransport>? _selecting;

    public NacosTransportSelector(
        IOptions<NacosOptions> options,
        NacosNamingClient http,
        NacosGrpcConnection grpc,
        IServiceProvider services,
        NacosConnectionStatus status,
        NacosLogThrottle throttle,
        ILogger<NacosTransportSelector> logger)
    {
        _options = options.Value;
        _http = http;
        _grpc = grpc;
        _services = services;
        _status = status;
        _throttle = throttle;
        _logger = logger;
    }

    /// <summary>The transport in use, once chosen.</summary>
    public INacosNamingTransport? Current => _chosen;

    /// <summary>The transport to use, choosing it first when needed; a transient <see cref="NacosException"/> while no server answers.</summary>
    public async ValueTask<INacosNamingTransport> GetAsync(CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
        {
            return chosen;
        }

        Task<INacosNamingTransport> selecting;
        lock (_gate)
        {
            if (_chosen is { } raced)
            {
                return raced;
            }

            // One selection at a time, whoever asks; it is not cut short by a caller giving up.
            if (_selecting is null || _selecting.IsCompleted)
            {
                using (ExecutionContext.SuppressFlow())
                {
                    _selecting = Task.Run(() => SelectAsync(_stopping.Token));
                }
            }

            selecting = _selecting;
        }

        return await selecting.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<INacosNamingTransport> SelectAsync(CancellationToken cancellationToken)
    {
        INacosNamingTransport transport = _options.Transport switch
        {
            NacosTransport.Grpc => Resolve<NacosGrpcTransport>(),
            NacosTransport.Http => Resolve<NacosHttpTransport>(),
            NacosTransport.V1 => Resolve<NacosV1Transport>(),
            _ => await ProbeAsync(cancellationToken).ConfigureAwait(false),
        };

        _chosen = transport;
        Log.TransportChosen(_logger, NacosMetrics.TransportName(transport.Kind), _options.Transport.ToString(), transport.Kind == NacosTransport.Grpc && _status.Server is { } server ? server : _http.CurrentServer);
        if (_status.Transport != transport.Kind)
        {
            _status.Set(transport.Kind, _status.Server ?? _http.CurrentServer, _status.Connected);
        }

        return transport;
    }

    private async Task<INacosNamingTransport> ProbeAsync(CancellationToken cancellationToken)
    {
        // gRPC is given up only where nothing accepts a connection on the gRPC port (or it is not gRPC). A port that
        // accepts but answers slowly (a cold or busy server) gets more time: falling back would hold for the process.
        var handshake = _options.Grpc.ConnectTimeout;
        for (var attempt = 0; attempt < GrpcProbeAttempts; attempt++)
        {
            if (await _grpc.TryConnectAsync(handshake, cancellationToken).ConfigureAwait(false))
            {
                return Resolve<NacosGrpcTransport>();
            }

            if (!_grpc.LastRoundReachedServer)
            {
                break;
            }

            handshake *= 2;
        }

        var probe = new NacosServiceName(_options.GroupName, ProbeServiceName);
        var answeredHttp = false;
        for (var i = 0; i < _http.ServerCount; i++)
        {
            switch (await _http.ServesV3Async(i, probe, cancellationToken).ConfigureAwait(false))
            {
                case true:
                    return Resolve<NacosHttpTransport>();
                case false:
                    answeredHttp = true;
                    break;
            }
        }

        if (answeredHttp)
        {
            // A server that answers HTTP without the v3 API and without gRPC: Nacos 1.x (or a 2.x with 9848 closed).
            return Resolve<NacosV1Transport>();
        }

        Log.NoServerAnswered(_logger, _throttle.NextLevel(), string.Join(", ", _options.ServerAddresses), _options.Grpc.PortOffset);
        throw new NacosException(
            $"No Nacos server answered, neither gRPC (main port + {_options.Grpc.PortOffset}) nor HTTP: {string.Join(", ", _options.ServerAddresses)}.",
            transient: true);
    }

    /// <summary>The service an authenticated probe reads: this instance's own, else one nobody registers.</summary>
    internal string ProbeServiceName =>
        NacosServiceName.TryParse(_options.Registration.ServiceName, _options.GroupName, out var own) ? own.Name : "lanes-probe";

    private T Resolve<T>()
        where T : notnull => (T)_services.GetService(typeof(T))!;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_selecting is { } selecting)
        {
            await ((Task)selecting).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }
}
