using System.Collections.Concurrent;
using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Every Nacos service this process follows, shared by all discovery providers: one subscription (one
/// query loop) per service however many clients resolve it, bounded by <see cref="NacosOptions.MaxServices"/>.
/// Pushed lists (gRPC or UDP) arrive here and go to the subscription they name; when the registry comes back after
/// it was lost, every subscription queries (and on gRPC subscribes) again at once.
/// </summary>
internal sealed partial class NacosServiceCatalog : INacosPushTarget, IAsyncDisposable
{
    private readonly ConcurrentDictionary<NacosServiceName, NacosServiceSubscription> _subscriptions = new();
    private readonly ConcurrentDictionary<NacosServiceName, Task> _loops = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly NacosConnectionStatus _status;
    private readonly NacosPushRouter _pushes;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private bool _disposed;

    public NacosServiceCatalog(
        IOptions<NacosOptions> options,
        NacosTransportSelector transports,
        NacosPushRouter pushes,
        NacosConnectionStatus status,
        FailoverCache failoverCache,
        NacosMetrics metrics,
        NacosLogThrottle throttle,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        Transports = transports;
        FailoverCache = failoverCache;
        Metrics = metrics;
        Throttle = throttle;
        TimeProvider = timeProvider;
        LaneMetadata = new LaneMetadata(Options.LaneMetadata);
        _status = status;
        _pushes = pushes;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NacosServiceCatalog>();
        pushes.Target = this;
        status.Recovered += OnRegistryRecovered;
    }

    public NacosOptions Options { get; }

    public NacosTransportSelector Transports { get; }

    public NacosLogThrottle Throttle { get; }

    public FailoverCache FailoverCache { get; }

    public NacosMetrics Metrics { get; }

    public TimeProvider TimeProvider { get; }

    public LaneMetadata LaneMetadata { get; }

    /// <summary>
    /// The Nacos service behind a request host: the <c>Lanes:Nacos:Services</c> mapping, else (when
    /// <see cref="NacosOptions.DiscoverUnlistedServices"/>) a single-label host name in the default group.
    /// </summary>
    public bool TryResolve(string host, out NacosServiceName service)
    {
        if (Options.Services.TryGetValue(host, out var mapped))
        {
            return NacosServiceName.TryParse(mapped, Options.GroupName, out service);
        }

        service = default;
        if (!Options.DiscoverUnlistedServices
            || host.Contains('.', StringComparison.Ordinal)
            || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            return false;
        }

        service = new NacosServiceName(Options.GroupName, host);
        return true;
    }

    /// <summary>The subscription of <paramref name="service"/>, started on first use; <see langword="null"/> past the bound.</summary>
    public NacosServiceSubscription? Subscribe(NacosServiceName service)
    {
        if (_subscriptions.TryGetValue(service, out var existing))
        {
            return existing;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_subscriptions.TryGetValue(service, out existing))
            {
                return existing;
            }

            if (_subscriptions.Count >= Options.MaxServices)
            {
                Log.TooManyServices(_logger, service.Grouped, Options.MaxServices);
                return null;
            }

            var subscription = new NacosServiceSubscription(service, this, _loggerFactory.CreateLogger<NacosServiceSubscription>());
            _subscriptions[service] = subscription;

            // Subscriptions start inside whichever request first resolved the service: keep its lane off the loop.
            using (ExecutionContext.SuppressFlow())
            {
                _loops[service] = Task.Run(() => subscription.RunAsync(_stopping.Token));
            }

            return subscription;
        }
    }

    /// <summary>Applies a pushed <c>ServiceInfo</c> to the subscription it names.</summary>
    public PushOutcome OnPush(ReadOnlySpan<byte> serviceInfo)
    {
        if (!ServiceInfoParser.TryReadHeader(serviceInfo, out var header, out var error))
        {
            Log.PushRejected(_logger, error!);
            return PushOutcome.Malformed;
        }

        if (!NacosServiceName.TryParse(header.Name, header.GroupName ?? Options.GroupName, out var service)
            || !_subscriptions.TryGetValue(service, out var subscription))
        {
            Log.PushForUnknownService(_logger, header.Name ?? "(no name)");
            return PushOutcome.UnknownService;
        }

        return subscription.Apply(serviceInfo, ServiceInfoSource.Push) == ApplyResult.Rejected ? PushOutcome.Malformed : PushOutcome.Accepted;
    }

    // The registry is back (a reconnect, answers after an outage, or it forgot this instance): query every service
    // now (on gRPC this also renews the subscriptions the new connection lacks), and keep instances that are still
    // re-registering for the protection window.
    private void OnRegistryRecovered()
    {
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.OnRegistryRecovered();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _status.Recovered -= OnRegistryRecovered;
        if (ReferenceEquals(_pushes.Target, this))
        {
            _pushes.Target = null;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var loop in _loops.Values)
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }
}
