using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Keeps one service's instance list: queried through the transport in use (on gRPC the query subscribes, and the
/// server pushes every change; on HTTP it is polled at the server's <c>cacheMillis</c>, bounded by the options, with
/// UDP pushes on v1), seeded from the failover cache when no server answers at start. A list that is malformed,
/// partial or unchanged leaves the current one and its change token alone.
/// </summary>
/// <remarks>
/// Empty-push protection (<see cref="NacosOptions.PushEmptyProtection"/>, on by default, for every source but the
/// failover cache): an empty list for a service that has instances is held, the service is re-queried at the
/// shortest interval, and the empty list applies only when it is still empty after
/// <see cref="NacosOptions.PushEmptyProtectionWindow"/>. For the same window after the registry came back,
/// instances missing from a list are kept: a registry that restarted empty fills up again as its clients re-register,
/// and routing should not lose an instance in between. Both are counted (<c>lanes.nacos.empty_protection</c>) and logged.
/// </remarks>
internal sealed partial class NacosServiceSubscription
{
    private readonly NacosServiceCatalog _catalog;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ServiceSnapshot _snapshot = new([], null, 0, hasData: false, fromFailoverCache: false);
    private TaskCompletionSource _signal = NewSignal();
    private volatile bool _refreshRequested;
    private long _lastRefTime;
    private long _cacheMillis;
    private DateTimeOffset? _emptySince;
    private DateTimeOffset _settleUntil = DateTimeOffset.MinValue;
    private DateTimeOffset? _recheckAt;

    public NacosServiceSubscription(NacosServiceName name, NacosServiceCatalog catalog, ILogger logger)
    {
        Name = name;
        _catalog = catalog;
        _logger = logger;
    }

    public NacosServiceName Name { get; }

    public ServiceSnapshot Current => _snapshot;

    /// <summary>Completes once the first query answered, or failed and the failover cache was consulted.</summary>
    public Task FirstLoad => _firstLoad.Task;

    /// <summary>Offers a <c>ServiceInfo</c> JSON document to the subscription.</summary>
    public ApplyResult Apply(ReadOnlySpan<byte> json, ServiceInfoSource source)
    {
        var summary = ServiceInfoParser.Summarize(json);
        var options = _catalog.Options;
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

            // The same bytes but for lastRefTime: most polls of a real server. Nothing to parse. (A list that kept
            // missing instances is never "the same": it must be read again once the window is over.)
            if (previous.HasData && summary.Hash == previous.Hash && !previous.KeepsMissing)
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
            var protect = options.PushEmptyProtection && source != ServiceInfoSource.FailoverCache && previous.Endpoints.Length > 0;
            var now = _catalog.TimeProvider.GetUtcNow();
            if (protect && endpoints.Length == 0)
            {
                if (HoldEmpty(now, source, previous.Endpoints.Length))
                {
                    return ApplyResult.Ignored;
                }
            }
            else
            {
                _emptySince = null;
            }

            var keepsMissing = false;
            if (protect && endpoints.Length > 0 && now < _settleUntil && KeepMissing(previous.Endpoints, ref endpoints) is > 0 and var kept)
            {
                keepsMissing = true;
                _catalog.Metrics.Protected("missing_kept");
                Log.MissingKept(_logger, Name.Grouped, kept, source, _settleUntil - now);
                ScheduleRecheck(_settleUntil);
            }

            if (invalidLanes > 0)
            {
                Log.InvalidLanes(_logger, Name.Grouped, invalidLanes);
            }

            next = new ServiceSnapshot(endpoints, byHost, keepsMissing ? 0 : summary.Hash, hasData: true, fromFailoverCache: source == ServiceInfoSource.FailoverCache, keepsMissing);
            _snapshot = next;
        }

        Log.ListChanged(_logger, Name.Grouped, source, next.Endpoints.Length);
        _catalog.Metrics.Changed(source);
        previous.Changed.Cancel();
        previous.Changed.Dispose();
        if (source != ServiceInfoSource.FailoverCache && !next.KeepsMissing)
        {
            _catalog.FailoverCache.Write(Name, json);
        }

        return ApplyResult.Changed;
    }

    /// <summary>
    /// The registry came back after it was lost: query now (on gRPC this renews the subscription), and keep instances
    /// that are missing from the lists of the next <see cref="NacosOptions.PushEmptyProtectionWindow"/>.
    /// </summary>
    public void OnRegistryRecovered()
    {
        lock (_gate)
        {
            if (_catalog.Options.PushEmptyProtection && _snapshot.Endpoints.Length > 0)
            {
                _settleUntil = _catalog.TimeProvider.GetUtcNow() + _catalog.Options.PushEmptyProtectionWindow;
            }
        }

        RequestRefresh();
    }

    // Holds an empty list until it has stayed empty for the window; true while held.
    private bool HoldEmpty(DateTimeOffset now, ServiceInfoSource source, int known)
    {
        var window = _catalog.Options.PushEmptyProtectionWindow;
        if (_emptySince is not { } since)
        {
            _emptySince = now;
            _catalog.Metrics.Protected("empty_held");
            Log.EmptyListHeld(_logger, Name.Grouped, source, known, window);
            ScheduleRecheck(now + window);
            return true;
        }

        if (now - since < window)
        {
            return true;
        }

        _emptySince = null;
        _catalog.Metrics.Protected("empty_confirmed");
        Log.EmptyListConfirmed(_logger, Name.Grouped, window);
        return false;
    }

    // Appends the previous list's instances that the new one lacks (by address); returns how many.
    private static int KeepMissing(ServiceEndpoint[] previous, ref ServiceEndpoint[] endpoints)
    {
        var present = new HashSet<string>(endpoints.Length, StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            present.Add(endpoint.EndPoint.ToString()!);
        }

        List<ServiceEndpoint>? missing = null;
        foreach (var endpoint in previous)
        {
            if (!present.Contains(endpoint.EndPoint.ToString()!))
            {
                (missing ??= []).Add(endpoint);
            }
        }

        if (missing is null)
        {
            return 0;
        }

        endpoints = [.. endpoints, .. missing];
        return missing.Count;
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

    /// <summary>Queries until <paramref name="cancellationToken"/> is cancelled; never throws otherwise.</summary>
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

            var first = true;
            while (!cancellationToken.IsCancellationRequested)
            {
                // The timer is armed before waiters hear the first load is done, so the next query's time is fixed by then.
                var woke = WaitAsync(NextDelay(failures), cancellationToken);
                if (first)
                {
                    _firstLoad.TrySetResult();
                    first = false;
                }

                if (!await woke.ConfigureAwait(false))
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

    // Waits until the next query is due: the delay passed, a refresh was requested, or a re-check came due.
    // False once cancelled.
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var time = _catalog.TimeProvider;
        var due = time.GetUtcNow() + delay;
        while (true)
        {
            var now = time.GetUtcNow();
            TaskCompletionSource signal;
            lock (_gate)
            {
                if (_refreshRequested)
                {
                    _refreshRequested = false;
                    return true;
                }

                if (_recheckAt is { } recheck && recheck < due)
                {
                    due = recheck;
                }

                if (now >= due)
                {
                    if (_recheckAt <= now)
                    {
                        _recheckAt = null;
                    }

                    return true;
                }

                signal = _signal;
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var elapsed = Task.Delay(due - now, time, timer.Token);
            await Task.WhenAny(elapsed, signal.Task).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            lock (_gate)
            {
                if (signal.Task.IsCompleted && ReferenceEquals(_signal, signal))
                {
                    _signal = NewSignal();
                }
            }

            if (elapsed.IsCompletedSuccessfully)
            {
                due = time.GetUtcNow();
            }
        }
    }

    // Query as soon as possible.
    private void RequestRefresh()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _refreshRequested = true;
            signal = _signal;
        }

        signal.TrySetResult();
    }

    // Query no later than at (the end of a protection window); the caller holds the gate.
    private void ScheduleRecheck(DateTimeOffset at)
    {
        if (_recheckAt is null || at < _recheckAt)
        {
            _recheckAt = at;
            _signal.TrySetResult();
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

        if (_emptySince is not null)
        {
            // An empty list is held: ask again soon, to confirm it or to see the instances come back.
            return options.MinRefreshInterval;
        }

        var transport = _catalog.Transports.Current;
        if (transport is { Kind: NacosTransport.Grpc })
        {
            // Every change is pushed over the connection; the query is a safety net (and renews the subscription).
            return options.MaxRefreshInterval;
        }

        var cacheMillis = Interlocked.Read(ref _cacheMillis);
        var delay = cacheMillis > 0 ? TimeSpan.FromMilliseconds(cacheMillis)
            : transport is { Pushes: true } ? options.MaxRefreshInterval
            : options.MinRefreshInterval;
        return TimeSpan.FromTicks(Math.Clamp(delay.Ticks, options.MinRefreshInterval.Ticks, options.MaxRefreshInterval.Ticks));
    }

    /// <summary>Queries the server once; <see langword="false"/> when no good list came back.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var transport = await _catalog.Transports.GetAsync(cancellationToken).ConfigureAwait(false);
            using var answer = await transport.QueryAsync(Name, cancellationToken).ConfigureAwait(false);
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
            var level = _catalog.Throttle.NextLevel();
            if (ex is NacosAuthenticationException && level == LogLevel.Warning)
            {
                level = LogLevel.Error;
            }

            Log.RefreshFailed(_logger, level, Name.Grouped, _snapshot.Endpoints.Length, ex.Message);
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
            // Part of the outage already reported: a warning only when no other has been logged this minute.
            Log.FailoverCacheUsed(_logger, _catalog.Throttle.NextLevel() == LogLevel.Warning ? LogLevel.Warning : LogLevel.Information, Name.Grouped, _snapshot.Endpoints.Length);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
