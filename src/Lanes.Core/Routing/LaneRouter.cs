using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing;

/// <summary>
/// Chooses the instance of a service for a lane. Endpoints come from Microsoft.Extensions.ServiceDiscovery's
/// shared <see cref="ServiceEndpointResolver"/>; each resolved endpoint set is indexed by lane once and the
/// index lives beside it until the set is replaced.
/// </summary>
internal sealed partial class LaneRouter(ServiceEndpointResolver resolver, ILogger<LaneRouter> logger)
{
    private readonly ConditionalWeakTable<ServiceEndpointSource, LaneIndex> _indexes = [];

    public ValueTask<RouteSelection> SelectAsync(string serviceName, Lane lane, CancellationToken cancellationToken)
    {
        ValueTask<ServiceEndpointSource> pending;
        try
        {
            pending = resolver.GetEndpointsAsync(serviceName, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw Unknown(serviceName, lane, ex);
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<RouteSelection>(Select(serviceName, lane, pending.Result))
            : SelectSlowAsync(pending, serviceName, lane);
    }

    private async ValueTask<RouteSelection> SelectSlowAsync(ValueTask<ServiceEndpointSource> pending, string serviceName, Lane lane)
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

        return Select(serviceName, lane, source);
    }

    private RouteSelection Select(string serviceName, Lane lane, ServiceEndpointSource source)
    {
        if (!_indexes.TryGetValue(source, out var index))
        {
            index = _indexes.GetValue(source, s => BuildIndex(serviceName, s));
        }

        var target = index.Pick(lane, out var reason);
        if (target is null)
        {
            throw new LaneRoutingException(serviceName, lane, lane.IsBase
                ? $"Service '{serviceName}' has no healthy base instance for a base request (lane instances never take base traffic)."
                : $"Service '{serviceName}' has no healthy instance for lane '{lane}' and no healthy base instance to fall back to.");
        }

        if (reason == RouteReason.FallbackNoLaneInstance)
        {
            Log.FellBackToBase(logger, serviceName, lane.Name!);
        }

        return new RouteSelection(target, reason);
    }

    private LaneIndex BuildIndex(string serviceName, ServiceEndpointSource source)
    {
        var index = LaneIndex.Build(source.Endpoints);
        if (index.Skipped > 0)
        {
            Log.UnsupportedEndpoints(logger, serviceName, index.Skipped);
        }

        Log.IndexBuilt(logger, serviceName, index.BaseCount, index.LaneCount);
        return index;
    }

    private static LaneRoutingException Unknown(string serviceName, Lane lane, Exception inner) =>
        new(serviceName, lane, $"Service '{serviceName}' could not be resolved: {inner.Message}", inner);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Indexed service '{ServiceName}': {BaseCount} base instances, {LaneCount} lanes.", EventName = "LaneIndexBuilt")]
        public static partial void IndexBuilt(ILogger logger, string serviceName, int baseCount, int laneCount);

        [LoggerMessage(2, LogLevel.Debug, "Service '{ServiceName}' has no instance of lane '{Lane}'; sent to base with the lane kept.", EventName = "FellBackToBase")]
        public static partial void FellBackToBase(ILogger logger, string serviceName, string lane);

        [LoggerMessage(3, LogLevel.Warning, "Service '{ServiceName}' has {Count} endpoints of a kind requests cannot be sent to; they are ignored.", EventName = "UnsupportedEndpoints")]
        public static partial void UnsupportedEndpoints(ILogger logger, string serviceName, int count);
    }
}
