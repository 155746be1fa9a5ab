using System.Diagnostics;
using Lanes.AspNetCore.Entry;
using Lanes.Diagnostics;
using Lanes.Propagation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Inbound;

/// <summary>
/// Establishes the lane of each inbound request: entry rules first (at an entry), then the lane header,
/// else the W3C baggage member. The lane becomes ambient for the request and tags its activity.
/// A malformed or oversized lane is treated as base and counted; it never fails the request.
/// </summary>
internal sealed partial class LaneMiddleware
{
    private const string Carrier = "http";

    private readonly RequestDelegate _next;
    private readonly EntryRuleSet _entryRules;
    private readonly LanesMetrics _metrics;
    private readonly ILogger<LaneMiddleware> _logger;
    private readonly string _headerName;
    private readonly string _baggageKey;

    public LaneMiddleware(
        RequestDelegate next,
        EntryRuleSet entryRules,
        IOptions<LanesOptions> options,
        LanesMetrics metrics,
        ILogger<LaneMiddleware> logger)
    {
        _next = next;
        _entryRules = entryRules;
        _metrics = metrics;
        _logger = logger;
        _headerName = options.Value.Propagation.HeaderName;
        _baggageKey = options.Value.Propagation.BaggageKey;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (!_entryRules.IsEmpty && _entryRules.Apply(headers) is { } rule)
        {
            Log.EntryRuleMatched(_logger, rule.Name, rule.Lane.ToString());
        }

        var rejection = LaneReader.Read(
            headers[_headerName],
            _baggageKey.Length == 0 ? default : headers[LanePropagationOptions.BaggageHeaderName],
            _baggageKey,
            out var lane);
        if (rejection != LaneRejection.None)
        {
            _metrics.Rejected(rejection, Carrier);
            Log.LaneRejected(_logger, rejection);
        }

        if (lane.IsBase && LaneContext.Current.IsBase)
        {
            return _next(context);
        }

        return InvokeInLaneAsync(context, lane);
    }

    private async Task InvokeInLaneAsync(HttpContext context, Lane lane)
    {
        using var scope = LaneContext.Enter(lane);
        if (!lane.IsBase)
        {
            Activity.Current?.SetTag(LanesDiagnostics.LaneTag, lane.Name);
        }

        await _next(context).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Entry rule '{Rule}' matched; the request enters lane '{Lane}'.", EventName = "EntryRuleMatched")]
        public static partial void EntryRuleMatched(ILogger logger, string rule, string lane);

        [LoggerMessage(2, LogLevel.Debug, "Ignored the request's lane ({Reason}); it is handled as base.", EventName = "LaneRejected")]
        public static partial void LaneRejected(ILogger logger, LaneRejection reason);
    }
}
