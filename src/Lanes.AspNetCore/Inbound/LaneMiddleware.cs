using System.Diagnostics;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Trust;
using Lanes.Diagnostics;
using Lanes.Extensibility;
using Lanes.Propagation;
using Lanes.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Inbound;

/// <summary>
/// Establishes the lane of each inbound request. At the entry, the trust boundary comes first (a lane the client may
/// not choose is removed, an oversized header refused) and then the entry rules in force; everywhere, the lane is then
/// read from the lane header, else the W3C baggage member. The lane becomes ambient for the request and tags its
/// activity (when a listener records it) and, as <c>lanes.lane</c>, ASP.NET Core's <c>http.server.request.duration</c>
/// (base requests carry <c>base</c>).
/// A malformed or oversized lane is treated as base and counted; it never fails the request.
/// </summary>
internal sealed partial class LaneMiddleware
{
    private const string Carrier = "http";

    private readonly RequestDelegate _next;
    private readonly EntryRules? _entryRules;
    private readonly EntryGuard? _guard;
    private readonly LanesMetrics _metrics;
    private readonly ILogger<LaneMiddleware> _logger;
    private readonly string _headerName;
    private readonly string _baggageKey;
    private readonly bool _routeHeader;

    public LaneMiddleware(
        RequestDelegate next,
        EntryRules entryRules,
        EntryGuard guard,
        IOptions<LaneEntryOptions> entry,
        IServiceProvider services,
        IOptions<LanesOptions> options,
        LanesMetrics metrics,
        ILogger<LaneMiddleware> logger)
    {
        _next = next;
        // An entry when configured so, else when it has rules or registered itself as one (a lane-aware YARP gateway).
        var isEntry = entry.Value.Enabled ?? (entryRules.HasSources || services.GetService(typeof(LaneEntry)) is not null);
        _entryRules = isEntry ? entryRules : null;
        _guard = isEntry ? guard : null;
        _metrics = metrics;
        _logger = logger;
        _headerName = options.Value.Propagation.HeaderName;
        _baggageKey = options.Value.Propagation.BaggageKey;
        _routeHeader = options.Value.Routing.RouteHeader;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (_guard is not null && _guard.Admit(context) == EntryVerdict.HeaderTooLarge)
        {
            TagMetrics(context, Lane.Base);
            return RefuseHeaderAsync(context);
        }

        if (_entryRules?.Current is { IsEmpty: false } rules && rules.Apply(context.Request) is { } rule)
        {
            Log.EntryRuleMatched(_logger, rule.Name, rule.Lane.ToString());
        }

        // One lookup of the lane header; baggage is looked up only when the header is absent.
        var carried = headers[_headerName];
        var rejection = carried.Count > 0 || _baggageKey.Length == 0
            ? LaneReader.ReadHeader(carried, out var lane)
            : LaneReader.ReadBaggage(headers[LanePropagationOptions.BaggageHeaderName], _baggageKey, out lane);
        if (rejection != LaneRejection.None)
        {
            _metrics.Rejected(rejection, Carrier);
            Log.LaneRejected(_logger, rejection);
            ForgetBaggageLane();
        }
        else if (!lane.IsBase && carried.Count > 0 && (carried.Count > 1 || carried[0] != lane.Name))
        {
            // Repeated lines ("gray" twice) or padding: forward one clean value, as every hop reads it.
            headers[_headerName] = lane.Name;
        }

        TagMetrics(context, lane);

        // A rejected lane makes the request base on purpose, which also keeps a lane in OpenTelemetry baggage out.
        if (lane.IsBase && rejection == LaneRejection.None && LaneContext.Current.IsBase && !_routeHeader)
        {
            return InvokeBaseAsync(context);
        }

        return InvokeInLaneAsync(context, lane);
    }

    // The hosting layer sets the feature only while http.server.request.duration is listened to; the tag is built
    // once per lane, so this adds nothing to what the metric itself allocates. A pipeline run again for the same
    // request (UseExceptionHandler, UseStatusCodePagesWithReExecute) replaces the value instead of adding a second one.
    private void TagMetrics(HttpContext context, Lane lane)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is not { } feature)
        {
            return;
        }

        var tag = _metrics.LaneTag(lane);
        if (feature.Tags is List<KeyValuePair<string, object?>> tags)
        {
            for (var i = 0; i < tags.Count; i++)
            {
                if (string.Equals(tags[i].Key, LanesDiagnostics.LaneTag, StringComparison.Ordinal))
                {
                    tags[i] = tag;
                    return;
                }
            }
        }

        feature.Tags.Add(tag);
    }

    // .NET sends the inbound baggage (kept on the request's activity) on with every outbound call, so a lane judged
    // invalid here would come back at the next hop. Leave it out.
    private void ForgetBaggageLane()
    {
        if (_baggageKey.Length == 0)
        {
            return;
        }

        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            if (activity.GetBaggageItem(_baggageKey) is not null)
            {
                activity.SetBaggage(_baggageKey, null);
            }
        }
    }

    private Task InvokeBaseAsync(HttpContext context)
    {
        var pending = _next(context);
        return pending.IsCompletedSuccessfully ? pending : AwaitRefusalsAsync(context, pending, Lane.Base);
    }

    private async Task AwaitRefusalsAsync(HttpContext context, Task pending, Lane lane)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (LaneRoutingException ex) when (!context.Response.HasStarted)
        {
            await RefuseAsync(context, ex, lane).ConfigureAwait(false);
        }
    }

    // No state machine of its own: a pipeline that completes without waiting pays none, one that waits is awaited by
    // AwaitRefusalsAsync, which captured the lane with the execution context. The lane is left on the way out.
    private Task InvokeInLaneAsync(HttpContext context, Lane lane)
    {
        if (_routeHeader)
        {
            return InvokeTracedAsync(context, lane);
        }

        var scope = LaneContext.Enter(lane);
        try
        {
            if (!lane.IsBase)
            {
                TagRecordedActivity(lane);
            }

            Task pending;
            try
            {
                pending = _next(context);
            }
            catch (LaneRoutingException ex) when (!context.Response.HasStarted)
            {
                return RefuseAsync(context, ex, lane);
            }
            catch (Exception ex)
            {
                return Task.FromException(ex);
            }

            // The continuation runs in the lane: the execution context captured by the await below still holds it.
            return pending.IsCompletedSuccessfully ? Task.CompletedTask : AwaitRefusalsAsync(context, pending, lane);
        }
        finally
        {
            scope.Dispose();
        }
    }

    // Only a span someone records gets the tag: ASP.NET Core starts an Activity per request whenever logging is on, with
    // no listener, and a tag on it would cost every lane request an allocation nobody reads.
    private static void TagRecordedActivity(Lane lane)
    {
        if (Activity.Current is { IsAllDataRequested: true } activity && activity.Source.HasListeners())
        {
            activity.SetTag(LanesDiagnostics.LaneTag, lane.Name);
        }
    }

    // The route header (a debugging aid) begins a trace in an async local too: an async method keeps both to the request.
    private async Task InvokeTracedAsync(HttpContext context, Lane lane)
    {
        using var scope = LaneContext.Enter(lane);
        if (!lane.IsBase)
        {
            TagRecordedActivity(lane);
        }

        var trace = RouteTrace.Begin();
        context.Response.OnStarting(static state =>
        {
            var (response, trace) = ((HttpResponse, RouteTrace))state;
            var value = trace.ToString();
            if (value.Length > 0)
            {
                response.Headers[RouteTrace.HeaderName] = value;
            }

            return Task.CompletedTask;
        }, (context.Response, trace));

        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (LaneRoutingException ex) when (!context.Response.HasStarted)
        {
            await RefuseAsync(context, ex, lane).ConfigureAwait(false);
        }
    }

    // No instance may take the request (a strict lane, an unknown or empty service): a clear 503, not a 500.
    private async Task RefuseAsync(HttpContext context, LaneRoutingException refusal, Lane lane)
    {
        Log.Refused(_logger, refusal.ServiceName, refusal.Lane.ToString(), refusal.Message);
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers[_headerName] = lane.IsBase ? default : lane.Name;
        context.Response.Headers[LaneRefusal.HeaderName] = refusal.ServiceName;   // not this instance failing: see LaneRefusal
        context.Response.ContentType = LaneRefusal.ContentType;
        await context.Response.Body.WriteAsync(LaneRefusal.From(refusal).ToUtf8Json(), context.RequestAborted).ConfigureAwait(false);
    }

    private static Task RefuseHeaderAsync(HttpContext context)
    {
        var header = context.Items[EntryGuard.HeaderTooLarge] as string ?? string.Empty;
        context.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
        context.Response.ContentType = LaneRefusal.ContentType;
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["title"] = "Request header too large.",
            ["status"] = StatusCodes.Status431RequestHeaderFieldsTooLarge,
            ["detail"] = $"Header '{header}' is longer than the entry accepts.",
        });
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Entry rule '{Rule}' matched; the request enters lane '{Lane}'.", EventName = "EntryRuleMatched")]
        public static partial void EntryRuleMatched(ILogger logger, string rule, string lane);

        [LoggerMessage(2, LogLevel.Debug, "Ignored the request's lane ({Reason}); it is handled as base.", EventName = "LaneRejected")]
        public static partial void LaneRejected(ILogger logger, LaneRejection reason);

        [LoggerMessage(3, LogLevel.Warning, "Answered 503: no instance of service '{ServiceName}' may take a '{Lane}' request. {Detail}", EventName = "LaneRefused")]
        public static partial void Refused(ILogger logger, string serviceName, string lane, string detail);
    }
}
