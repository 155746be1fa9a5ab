using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Keeps one service's instance list: polled at the server's <c>cacheMillis</c> (bounded by the options),
/// updated at once by UDP pushes, seeded from the failover cache when no server answers at start.
/// A list that is malformed, partial or unchanged leaves the current one and its change token alone.
/// </summary>
internal sealed partial class NacosServiceSubscription
{
    private readonly NacosServiceCatalog _catalog;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ServiceSnapshot _snapshot = new([], null, 0, hasData: false, fromFailoverCache: false);
    private long _lastRefTime;
    private long _cacheMillis;

    public NacosServiceSubscription(NacosServiceName name, NacosServiceCatalog catalog, ILogger logger)
    {
        Name = name;
        _catalog = catalog;
        _logger = logger;
    }

    public NacosServiceName Name { get; }

    public ServiceSnapshot Current => _snapshot;

    /// <summary>Completes once the first poll answered, or failed and the failover cache was consulted.</summary>
    public Task FirstLoad => _firstLoad.Task;

    /// <summary>Offers a <c>ServiceInfo</c> JSON document to the subscription.</summary>
    public ApplyResult Apply(ReadOnlySpan<byte> json, ServiceInfoSource source)
    {
        var summary = ServiceInfoParser.Summarize(json);
        ServiceSnapshot previous;
        ServiceSnapshot next;
        lock (_gate)
        {
            previous = _snapshot;
            if (source == ServiceInfoSource.Push && previous.HasData && summary.LastRefTime > 0 && summary.LastRefTime < _lastRefTime)
            {
                Log.StalePushIgnored(_logger, Name.Grouped, summary.LastRefTime, _lastRefTime);
                return ApplyResult.Ignored;
            }

            // The same bytes but for lastRefTime: most polls of a real server. Nothing to parse.
            if (previous.HasData && summary.Hash == previous.Hash)
            {
                Remember(summary, source);
                return ApplyResult.Unchanged;
            }

            if (!ServiceInfoParser.TryReadInstances(json, _catalog.LaneMetadata, previous.ByHost, out var endpoints, out var byHost, out var invalidLanes, out var error))
            {
                Log.ListRejected(_logger, Name.Grouped, source, error!);
                return ApplyResult.Rejected;
            }

            Remember(summary, source);
            if (endpoints.Length == 0 && previous.Endpoints.Length > 0 && _catalog.Options.PushEmptyProtection)
            {
                Log.EmptyListIgnored(_logger, Name.Grouped, source);
                return ApplyResult.Ignored;
            }

            if (invalidLanes > 0)
            {
                Log.InvalidLanes(_logger, Name.Grouped, invalidLanes);
            }

            next = new ServiceSnapshot(endpoints, byHost, summary.Hash, hasData: true, fromFailoverCache: source == ServiceInfoSource.FailoverCache);
            _snapshot = next;
        }

        Log.ListChanged(_logger, Name.Grouped, source, next.Endpoints.Length);
        _catalog.Metrics.Changed(source);
        previous.Changed.Cancel();
        previous.Changed.Dispose();
        if (source != ServiceInfoSource.FailoverCache)
        {
            _catalog.FailoverCache.Write(Name, json);
        }

        return ApplyResult.Changed;
    }

    private void Remember(ServiceInfoSummary summary, ServiceInfoSource source)
    {
        if (source == ServiceInfoSource.FailoverCache)
        {
            return;
        }

        _lastRefTime = Math.Max(_lastRefTime, summary.LastRefTime);
        if (summary.CacheMillis > 0)
        {
            Interlocked.Exchange(ref _cacheMillis, summary.CacheMillis);
        }
    }

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var failures = 0;
            if (!await RefreshAsync(cancellationToken).ConfigureAwait(false))
            {
                failures = 1;
                LoadFailoverCache();
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                // Arm the timer before telling waiters the first load is done, so the next poll's time is fixed by then.
                var delay = Task.Delay(NextDelay(failures), _catalog.TimeProvider, cancellationToken);
                _firstLoad.TrySetResult();
                try
                {
                    await delay.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                failures = await RefreshAsync(cancellationToken).ConfigureAwait(false) ? 0 : Math.Min(failures + 1, 16);
            }
        }
        finally
        {
            _firstLoad.TrySetResult();
        }
    }

    private TimeSpan NextDelay(int failures)
    {
        var options = _catalog.Options;
        if (failures > 0)
        {
            // Back off after failures, from the shortest interval up to the longest.
            return TimeSpan.FromTicks(Math.Min(options.MinRefreshInterval.Ticks << Math.Min(failures, 16), options.MaxRefreshInterval.Ticks));
        }

        var cacheMillis = Interlocked.Read(ref _cacheMillis);
        var delay = cacheMillis > 0 ? TimeSpan.FromMilliseconds(cacheMillis) : options.MaxRefreshInterval;
        return TimeSpan.FromTicks(Math.Clamp(delay.Ticks, options.MinRefreshInterval.Ticks, options.MaxRefreshInterval.Ticks));
    }

    /// <summary>Polls the server once; <see langword="false"/> when no good list came back.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (port, clientIp) = _catalog.PushTarget;
            using var answer = await _catalog.Client.ListAsync(Name, port, clientIp, cancellationToken).ConfigureAwait(false);
            _catalog.Metrics.Polled(success: true);
            return Apply(answer.Span, ServiceInfoSource.Poll) != ApplyResult.Rejected;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nacos is down or refused: routing keeps the last known list.
            _catalog.Metrics.Polled(success: false);
            Log.RefreshFailed(_logger, Name.Grouped, _snapshot.Endpoints.Length, ex.Message);
            return false;
        }
    }

    private void LoadFailoverCache()
    {
        if (_snapshot.HasData)
        {
            return;
        }

        using var cached = _catalog.FailoverCache.Read(Name);
        if (cached is not null && Apply(cached.Span, ServiceInfoSource.FailoverCache) == ApplyResult.Changed)
        {
            Log.FailoverCacheUsed(_logger, Name.Grouped, _snapshot.Endpoints.Length);
        }
    }
}
