using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Lanes.Discovery;
using Lanes.Extensibility;
using Lanes.Routing.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing;

/// <summary>
/// Chooses the instance of a service for a lane and learns from the outcome. Endpoints come from
/// Microsoft.Extensions.ServiceDiscovery's shared <see cref="ServiceEndpointResolver"/>; each resolved endpoint
/// set is indexed by lane once and the index lives beside it until the set is replaced. Every decision is
/// explained: a counter, an activity event, a debug log and, when enabled, the route header.
/// </summary>
internal sealed partial class LaneRouter
{
    // Service names a client calls are few; a client calling arbitrary host names asks the resolver every time past this.
    private const int MaxRememberedServices = 1024;

    private readonly ConditionalWeakTable<ServiceEndpointSource, LaneIndex> _indexes = [];
    private readonly ConcurrentDictionary<string, Resolved> _resolved = new(StringComparer.Ordinal);
    private readonly long _recheckInterval;
    private readonly ServiceEndpointResolver _resolver;
    private readonly EndpointHealthRegistry _health;
    private readonly RoutingClock _clock;
    private readonly LanesMetrics _metrics;
    private readonly ILogger<LaneRouter> _logger;
    private readonly LaneRoutingPolicy _policy;
    private readonly string? _baseLane;
    private readonly bool _passiveHealth;
    private readonly int _failureThreshold;
    private readonly long _ejectionDuration;
    private readonly FailureRatePolicy? _serverErrors;

    public LaneRouter(
        ServiceEndpointResolver resolver,
        EndpointHealthRegistry health,
        IOptions<LanesOptions> options,
        TimeProvider time,
        LanesMetrics metrics,
        ILogger<LaneRouter> logger)
    {
        _resolver = resolver;
        _health = health;
        _clock = new RoutingClock(time);
        _metrics = metrics;
        _logger = logger;
        var routing = options.Value.Routing;
        _recheckInterval = time.TimestampFrequency;   // a second
        _policy = new LaneRoutingPolicy(routing);
        _baseLane = _policy.BaseLane;
        var passive = routing.PassiveHealth;
        _passiveHealth = passive.Enabled;
        _failureThreshold = passive.ConsecutiveFailures;
        _ejectionDuration = (long)(passive.EjectionTime.TotalSeconds * time.TimestampFrequency);
        _serverErrors = passive.CountServerErrors
            ? new FailureRatePolicy(passive.FailureRate, (long)(passive.FailureRateWindow.TotalSeconds * time.TimestampFrequency), passive.MinimumCalls)
            : null;
    }

    /// <summary>The lowest number of failures in a row that ejects the last available instance of a lane.</summary>
    internal const int LastInstanceFailures = 2;

    /// <summary>The lane a request routes by: the configured base lane counts as base.</summary>
    public Lane Normalize(Lane lane) => _policy.Normalize(lane);

    public ValueTask<RouteSelection> SelectAsync(string serviceName, Lane lane, in TriedTargets tried, CancellationToken cancellationToken)
    {
        var now = _clock.Now();
        if (_resolved.TryGetValue(serviceName, out var resolved) && resolved.IsCurrent(now, _recheckInterval))
        {
            return new ValueTask<RouteSelection>(Select(serviceName, lane, tried, resolved.Source, resolved.Index, now));
        }

        ValueTask<ServiceEndpointSource> pending;
        try
        {
            pending = _resolver.GetEndpointsAsync(serviceName, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw Unknown(serviceName, lane, ex);
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<RouteSelection>(Select(serviceName, lane, tried, Remember(serviceName, pending.Result, now), now))
            : SelectSlowAsync(pending, serviceName, lane, tried);
    }

    /// <summary>Records how a call to the chosen instance went, for passive health.</summary>
    public void Report(in RouteSelection selection, CallOutcome outcome)
    {
        if (!_passiveHealth || outcome == CallOutcome.NotAttributable)
        {
            return;
        }

        var health = selection.Target.Health;
        var ejected = false;
        switch (outcome)
        {
            case CallOutcome.Answered:
                health.ReportAnswer(selection.PickedAt);
                if (_serverErrors is not null)
                {
                    health.ReportToWindow(_clock.Now(), failed: false, _serverErrors, _ejectionDuration);
                }

                break;
            case CallOutcome.ServerError:
                // It answered, so it is there: the transport failures in a row end, an ejection stays. Only a rate counts.
                health.ReportAnswer(long.MinValue);
                ejected = _serverErrors is not null && health.ReportToWindow(_clock.Now(), failed: true, _serverErrors, _ejectionDuration);
                break;
            case CallOutcome.TransportFailure:
                var now = _clock.Now();

                // One failure never takes out the last instance a lane (or base) has left: it may be a blip, and
                // without the instance the lane's traffic leaves the lane.
                var threshold = selection.Partition.HasOtherAvailable(selection.Target, now) ? _failureThreshold : Math.Max(_failureThreshold, LastInstanceFailures);
                ejected = health.ReportTransportFailure(now, threshold, _ejectionDuration);
                if (!ejected && _serverErrors is not null)
                {
                    ejected = health.ReportToWindow(now, failed: true, _serverErrors, _ejectionDuration);
                }

                break;
        }

        if (ejected)
        {
            _metrics.Ejected(selection.ServiceName, selection.Target.Lane);
            Log.Ejected(_logger, selection.ServiceName, selection.Target.Address, selection.Target.Lane.ToString());
        }
    }

    private async ValueTask<RouteSelection> SelectSlowAsync(ValueTask<ServiceEndpointSource> pending, string serviceName, Lane lane, TriedTargets tried)
    {
        ServiceEndpointSource source;
        try
        {
            source = await pending.ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw Unknown(serviceName, lane, ex);
        }

        var now = _clock.Now();
        return Select(serviceName, lane, tried, Remember(serviceName, source, now), now);
    }

    // The resolver's answer, indexed, and kept for the next calls while it is current (see Resolved).
    private Resolved Remember(string serviceName, ServiceEndpointSource source, long now)
    {
        if (!_indexes.TryGetValue(source, out var index))
        {
            index = IndexOf(serviceName, source);
        }

        var resolved = new Resolved(source, index, now);
        if (_resolved.Count < MaxRememberedServices || _resolved.ContainsKey(serviceName))
        {
            _resolved[serviceName] = resolved;
        }

        return resolved;
    }

    private RouteSelection Select(string serviceName, Lane lane, in TriedTargets tried, Resolved resolved, long now) =>
        Select(serviceName, lane, tried, resolved.Source, resolved.Index, now);

    private RouteSelection Select(string serviceName, Lane lane, in TriedTargets tried, ServiceEndpointSource source, LaneIndex index, long now)
    {
        var fallback = FallbackFor(serviceName, lane);
        var target = index.Pick(lane, fallback, now, tried, out var reason, out var partition);
        Explain(serviceName, lane, target, reason);
        if (target is null)
        {
            // The provider knows why there is nothing to pick (the service is gone, the registry refused): say that.
            if (source.Endpoints.Count == 0 && source.Features.Get<DiscoveryProblem>() is { } problem)
            {
                throw new LaneRoutingException(serviceName, lane, $"Service '{serviceName}' could not be resolved: {problem.Message}");
            }

            throw reason == RouteReason.StrictRejection
                ? new LaneUnavailableException(serviceName, lane, $"Service '{serviceName}' has no healthy instance of strict lane '{lane}'; the call was refused rather than sent to base.")
                : new LaneRoutingException(serviceName, lane, lane.IsBase
                    ? $"Service '{serviceName}' has no healthy base instance for a base request (lane instances never take base traffic)."
                    : $"Service '{serviceName}' has no healthy instance for lane '{lane}' and no healthy base instance to fall back to.");
        }

        return new RouteSelection(serviceName, lane, target, reason, partition!, now);
    }

    internal LaneFallback FallbackFor(string serviceName, Lane lane) => _policy.FallbackFor(serviceName, lane);

    private void Explain(string serviceName, Lane lane, RouteTarget? target, RouteReason reason)
    {
        _metrics.RouteDecision(serviceName, lane, reason);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Routed(_logger, serviceName, lane.ToString(), target?.Address ?? "none", RouteReasons.Name(reason));
        }

        // Only for a span someone records: ASP.NET Core starts an Activity per request whenever logging is on, with
        // no listener, and an event on it would cost every call of every request an allocation nobody reads.
        if (Activity.Current is { IsAllDataRequested: true } activity && activity.Source.HasListeners())
        {
            activity.AddEvent(new ActivityEvent("lanes.route", tags: new ActivityTagsCollection
            {
                ["lanes.service"] = serviceName,
                ["lanes.lane"] = lane.ToString(),
                ["lanes.reason"] = RouteReasons.Name(reason),
                ["lanes.instance"] = target?.Address,
            }));
        }

        if (RouteTrace.Current is { } trace)
        {
            trace.Add($"{serviceName}={(target is null ? "none" : target.Lane.ToString())}@{target?.Address ?? "-"} ({RouteReasons.Name(reason)})");
        }
    }

    // Kept out of Select: a lambda capturing serviceName there would allocate its closure on every call.
    private LaneIndex IndexOf(string serviceName, ServiceEndpointSource source) =>
        _indexes.GetValue(source, s => BuildIndex(serviceName, s));

    private LaneIndex BuildIndex(string serviceName, ServiceEndpointSource source)
    {
        var index = LaneIndex.Build(source.Endpoints, _baseLane);
        _health.Update(serviceName, index.Targets);

        if (index.Skipped > 0)
        {
            Log.UnsupportedEndpoints(_logger, serviceName, index.Skipped);
        }

        Log.IndexBuilt(_logger, serviceName, index.BaseCount, index.LaneCount);
        return index;
    }

    private static LaneRoutingException Unknown(string serviceName, Lane lane, Exception inner) =>
        new(serviceName, lane, $"Service '{serviceName}' could not be resolved: {inner.Message}", inner);

    /// <summary>
    /// What the resolver answered for a service, with its lane index. Until its change token fires, the resolver's own
    /// cache answers with this very source, so asking it again is skipped; it is still asked at least once a second,
    /// which keeps its watcher in use (an idle one is disposed after 10 s) and sees a refresh by polling, which
    /// replaces the source without firing its token.
    /// </summary>
    private sealed class Resolved(ServiceEndpointSource source, LaneIndex index, long resolvedAt)
    {
        public ServiceEndpointSource Source { get; } = source;

        public LaneIndex Index { get; } = index;

        public bool IsCurrent(long now, long recheckInterval) => now - resolvedAt < recheckInterval && !Source.ChangeToken.HasChanged;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Indexed service '{ServiceName}': {BaseCount} base instances, {LaneCount} lanes.", EventName = "LaneIndexBuilt")]
        public static partial void IndexBuilt(ILogger logger, string serviceName, int baseCount, int laneCount);

        [LoggerMessage(2, LogLevel.Debug, "Routed a '{Lane}' request for service '{ServiceName}' to {Instance}: {Reason}.", EventName = "Routed")]
        public static partial void Routed(ILogger logger, string serviceName, string lane, string instance, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Service '{ServiceName}' has {Count} endpoints of a kind requests cannot be sent to; they are ignored.", EventName = "UnsupportedEndpoints")]
        public static partial void UnsupportedEndpoints(ILogger logger, string serviceName, int count);

        [LoggerMessage(4, LogLevel.Warning, "Took {Instance} (lane '{Lane}') of service '{ServiceName}' out of rotation after failed calls.", EventName = "InstanceEjected")]
        public static partial void Ejected(ILogger logger, string serviceName, string instance, string lane);
    }
}
