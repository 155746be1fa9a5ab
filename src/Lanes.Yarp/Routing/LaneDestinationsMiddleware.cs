using Lanes.Extensibility;
using Lanes.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Lanes.Yarp.Routing;

/// <summary>
/// The proxy-pipeline step that keeps a request in its lane: it narrows <see cref="IReverseProxyFeature.AvailableDestinations"/>
/// (already filtered by YARP's health checks) to the request's lane before session affinity and load balancing run.
/// A lane request gets its lane's available destinations, else base with the lane kept (a strict lane is refused
/// with 503 problem+json); a base request only ever gets base destinations. A destination that could not be connected to
/// (stopped or killed while discovery still lists it) carried nothing, so the request is balanced again over the other
/// destinations of its lane (else base, as above), up to three attempts in all, as the Lanes HttpClient handler does.
/// </summary>
internal sealed partial class LaneDestinationsMiddleware
{
    internal const string ReasonItem = "Lanes.RouteReason";
    private const int MaxConnectAttempts = 3;

    private readonly RequestDelegate _next;
    private readonly LaneRoutingPolicy _policy;
    private readonly LanesMetrics _metrics;
    private readonly RecentDecisions _decisions;
    private readonly ILogger<LaneDestinationsMiddleware> _logger;
    private readonly string? _baseLane;
    private readonly string _laneHeader;

    public LaneDestinationsMiddleware(
        RequestDelegate next,
        LaneRoutingPolicy policy,
        LanesMetrics metrics,
        RecentDecisions decisions,
        IOptions<LanesOptions> options,
        ILogger<LaneDestinationsMiddleware> logger)
    {
        _next = next;
        _policy = policy;
        _metrics = metrics;
        _decisions = decisions;
        _logger = logger;
        _baseLane = string.IsNullOrEmpty(options.Value.Routing.BaseLane) ? null : options.Value.Routing.BaseLane;
        _laneHeader = options.Value.Propagation.HeaderName;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.GetReverseProxyFeature();
        var clusterState = context.GetRouteModel().Cluster;
        var clusterId = clusterState?.ClusterId ?? feature.Cluster.Config.ClusterId;
        var partition = PartitionOf(feature, clusterState);
        var service = partition.ServiceName ?? clusterId;
        var lane = _policy.Normalize(LaneContext.Current);

        DestinationState[]? candidates;
        RouteReason reason;
        if (lane.IsBase)
        {
            candidates = partition.Base;
            reason = RouteReason.Base;
        }
        else if (partition.Lane(lane.Name!) is { } laneDestinations)
        {
            candidates = laneDestinations;
            reason = RouteReason.LaneMatched;
        }
        else if (_policy.FallbackFor(service, lane) == LaneFallback.Strict)
        {
            candidates = null;
            reason = RouteReason.StrictRejection;
        }
        else
        {
            candidates = partition.Base;
            reason = partition.Knows(lane.Name!) ? RouteReason.FallbackLaneUnhealthy : RouteReason.FallbackNoLaneInstance;
        }

        _metrics.RouteDecision(service, lane, reason);
        _decisions.Record(clusterId, lane.ToString(), reason, candidates is { Length: 1 } ? candidates[0].DestinationId : null);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Narrowed(_logger, clusterId, lane.ToString(), RouteReasons.Name(reason), candidates?.Length ?? 0);
        }

        if (candidates is not { Length: > 0 })
        {
            return RefuseAsync(context, service, lane, reason);
        }

        feature.AvailableDestinations = candidates;
        if (RouteTrace.Current is not null)
        {
            context.Items[ReasonItem] = reason;   // the route header is opt-in; the forwarding transform writes the entry
        }

        var forwarded = _next(context);
        return forwarded.IsCompletedSuccessfully && !Unreached(context)
            ? Task.CompletedTask
            : ForwardAgainIfUnreachedAsync(forwarded, context, feature, partition, clusterId, service, lane, candidates, reason);
    }

    // The rare path: the chosen destination refused the connection. Balance again over the rest (YARP's balancing,
    // affinity and passive health run again), keeping the lane's rules: base never goes to a lane destination.
    private async Task ForwardAgainIfUnreachedAsync(
        Task forwarded, HttpContext context, IReverseProxyFeature feature, LanePartition partition, string clusterId, string service, Lane lane, DestinationState[] candidates, RouteReason reason)
    {
        await forwarded.ConfigureAwait(false);
        List<DestinationState>? tried = null;
        for (var attempt = 1; attempt < MaxConnectAttempts && Unreached(context) && feature.ProxiedDestination is { } failed; attempt++)
        {
            (tried ??= []).Add(failed);
            candidates = Without(candidates, tried);
            if (candidates.Length == 0 && reason == RouteReason.LaneMatched && _policy.FallbackFor(service, lane) != LaneFallback.Strict)
            {
                candidates = Without(partition.Base, tried);
                reason = RouteReason.FallbackLaneUnhealthy;
            }

            if (candidates.Length == 0)
            {
                return;   // nothing else may take it: YARP's 502 stands
            }

            Log.ForwardingAgain(_logger, service, failed.DestinationId, lane.ToString(), candidates.Length);
            _metrics.RouteDecision(service, lane, reason);
            _decisions.Record(clusterId, lane.ToString(), reason, candidates is { Length: 1 } ? candidates[0].DestinationId : null);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            feature.AvailableDestinations = candidates;
            if (RouteTrace.Current is not null)
            {
                context.Items[ReasonItem] = reason;
            }

            await _next(context).ConfigureAwait(false);
        }
    }

    // YARP could not open a connection to the destination: nothing was sent (no request bytes, no body read), and
    // nothing was answered yet.
    private static bool Unreached(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } }
        && !context.Response.HasStarted
        && !context.RequestAborted.IsCancellationRequested;

    private static DestinationState[] Without(DestinationState[] destinations, List<DestinationState> tried)
    {
        var kept = new List<DestinationState>(destinations.Length);
        foreach (var destination in destinations)
        {
            if (!tried.Contains(destination))
            {
                kept.Add(destination);
            }
        }

        return [.. kept];
    }

    private LanePartition PartitionOf(IReverseProxyFeature feature, ClusterState? cluster)
    {
        var available = feature.AvailableDestinations;
        var state = cluster?.DestinationsState;
        if (state is not null && ReferenceEquals(state.AvailableDestinations, available))
        {
            return LanePartitionCache.Get(state, _baseLane);
        }

        // An earlier step narrowed the destinations for this request only: split what it left.
        return LanePartition.Build(feature.AllDestinations, available, _baseLane);
    }

    private async Task RefuseAsync(HttpContext context, string service, Lane lane, RouteReason reason)
    {
        var message = reason == RouteReason.StrictRejection
            ? $"Service '{service}' has no healthy instance of strict lane '{lane}'; the call was refused rather than sent to base."
            : lane.IsBase
                ? $"Service '{service}' has no healthy base instance for a base request (lane instances never take base traffic)."
                : $"Service '{service}' has no healthy instance for lane '{lane}' and no healthy base instance to fall back to.";
        Log.Refused(_logger, service, lane.ToString(), message);
        var refusal = reason == RouteReason.StrictRejection
            ? new LaneUnavailableException(service, lane, message)
            : new LaneRoutingException(service, lane, message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = LaneRefusal.ContentType;
        if (!lane.IsBase)
        {
            context.Response.Headers[_laneHeader] = lane.Name;
        }

        await context.Response.Body.WriteAsync(LaneRefusal.From(refusal).ToUtf8Json(), context.RequestAborted).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Cluster '{ClusterId}': a '{Lane}' request may use {Count} destinations ({Reason}).", EventName = "LaneDestinations")]
        public static partial void Narrowed(ILogger logger, string clusterId, string lane, string reason, int count);

        [LoggerMessage(2, LogLevel.Warning, "Answered 503: no destination of service '{ServiceName}' may take a '{Lane}' request. {Detail}", EventName = "LaneRefused")]
        public static partial void Refused(ILogger logger, string serviceName, string lane, string detail);

        [LoggerMessage(3, LogLevel.Information, "Could not connect to destination '{DestinationId}' of service '{ServiceName}'; forwarding the '{Lane}' request to one of {Count} others.", EventName = "ForwardingAgain")]
        public static partial void ForwardingAgain(ILogger logger, string serviceName, string destinationId, string lane, int count);
    }
}
