using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Lanes.Samples.Service.Faults;

/// <summary>
/// Injects the configured faults into the requests of a lane: first the added latency, then, for the configured share
/// of them, a 500. It runs after <c>UseTrafficLanes()</c>, so the lane is the request's, and the failure is recorded in
/// <c>http.server.request.duration</c> with that lane. Health and scrape endpoints are never faulted.
/// </summary>
internal sealed partial class FaultInjectionMiddleware
{
    private readonly RequestDelegate _next;
    private readonly FrozenDictionary<string, LaneFault> _faults;
    private readonly TimeProvider _time;
    private readonly ILogger<FaultInjectionMiddleware> _logger;

    public FaultInjectionMiddleware(RequestDelegate next, IOptions<SampleFaultOptions> options, TimeProvider time, ILogger<FaultInjectionMiddleware> logger)
    {
        _next = next;
        _time = time;
        _logger = logger;
        _faults = options.Value.Lanes
            .Where(static f => f.Value.ErrorShare > 0 || f.Value.AddedLatency > TimeSpan.Zero)
            .ToFrozenDictionary(static f => f.Key, static f => new LaneFault(f.Value.ErrorShare, f.Value.AddedLatency), StringComparer.Ordinal);
        foreach (var (lane, fault) in options.Value.Lanes)
        {
            Log.FaultsConfigured(_logger, lane, fault.ErrorShare, fault.AddedLatency);
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_faults.Count == 0
            || !_faults.TryGetValue(LaneContext.Current.ToString(), out var fault)
            || context.Request.Path.StartsWithSegments("/healthz")
            || context.Request.Path.StartsWithSegments(SampleMetrics.Path))
        {
            return _next(context);
        }

        return InjectAsync(context, fault);
    }

    private async Task InjectAsync(HttpContext context, LaneFault fault)
    {
        if (fault.AddedLatency > TimeSpan.Zero)
        {
            await Task.Delay(fault.AddedLatency, _time, context.RequestAborted).ConfigureAwait(false);
        }

        if (fault.NextFails())
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("injected fault", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await _next(context).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Fault injection is on for lane '{Lane}': error share {ErrorShare}, added latency {AddedLatency}.", EventName = "FaultsConfigured")]
        public static partial void FaultsConfigured(ILogger logger, string lane, double errorShare, TimeSpan addedLatency);
    }
}
