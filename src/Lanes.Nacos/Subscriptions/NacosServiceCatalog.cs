using System.Collections.Concurrent;
using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Registration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Every Nacos service this process follows, shared by all discovery providers: one subscription (one
/// poll loop) per service however many clients resolve it, bounded by <see cref="NacosOptions.MaxServices"/>,
/// and the UDP push receiver that feeds them all.
/// </summary>
internal sealed partial class NacosServiceCatalog : IAsyncDisposable
{
    private readonly ConcurrentDictionary<NacosServiceName, NacosServiceSubscription> _subscriptions = new();
    private readonly ConcurrentDictionary<NacosServiceName, Task> _loops = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly NacosPushReceiver _pushReceiver;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private string? _clientIp;
    private bool _pushStarted;
    private bool _disposed;

    public NacosServiceCatalog(
        IOptions<NacosOptions> options,
        NacosNamingClient client,
        NacosPushReceiver pushReceiver,
        FailoverCache failoverCache,
        NacosMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        Client = client;
        FailoverCache = failoverCache;
        Metrics = metrics;
        TimeProvider = timeProvider;
        LaneMetadata = new LaneMetadata(Options.LaneMetadata);
        _pushReceiver = pushReceiver;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NacosServiceCatalog>();
    }

    public NacosOptions Options { get; }

    public NacosNamingClient Client { get; }

    public FailoverCache FailoverCache { get; }

    public NacosMetrics Metrics { get; }

    public TimeProvider TimeProvider { get; }

    public LaneMetadata LaneMetadata { get; }

    /// <summary>Where the server should push changes: the receiver's port and this instance's address, or (0, null).</summary>
    public (int Port, string? ClientIp) PushTarget => _pushReceiver.Port > 0 ? (_pushReceiver.Port, _clientIp) : (0, null);

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

            StartPush();
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

    /// <summary>Applies a pushed <c>ServiceInfo</c> to the subscription it names; <see langword="false"/> when none does or it was rejected.</summary>
    internal bool OnPush(ReadOnlyMemory<byte> serviceInfo)
    {
        if (!ServiceInfoParser.TryReadHeader(serviceInfo.Span, out var header, out var error))
        {
            Log.PushRejected(_logger, error!);
            return false;
        }

        if (!NacosServiceName.TryParse(header.Name, header.GroupName ?? Options.GroupName, out var service)
            || !_subscriptions.TryGetValue(service, out var subscription))
        {
            Log.PushForUnknownService(_logger, header.Name ?? "(no name)");
            return false;
        }

        return subscription.Apply(serviceInfo.Span, ServiceInfoSource.Push) != ApplyResult.Rejected;
    }

    private void StartPush()
    {
        if (_pushStarted)
        {
            return;
        }

        _pushStarted = true;
        if (!Options.Push.Enabled)
        {
            return;
        }

        _clientIp = !string.IsNullOrEmpty(Options.Push.ClientIp)
            ? Options.Push.ClientIp
            : InstanceAddressResolver.ResolveIp(Options.Registration, Environment.GetEnvironmentVariable);
        _ = _pushReceiver.TryStart(OnPush, Metrics.Pushed);
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

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var loop in _loops.Values)
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The receiver belongs to the container, which disposes it after this catalog.
        _stopping.Dispose();
    }
}
