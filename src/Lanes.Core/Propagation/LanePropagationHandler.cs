using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Lanes.Extensibility;
using Microsoft.Extensions.Options;

namespace Lanes.Propagation;

/// <summary>
/// Writes the ambient lane (<see cref="LaneContext.Current"/>) on outbound requests: the lane header
/// and a member of W3C <c>baggage</c>, placed first so baggage size limits downstream cannot drop it.
/// Writes nothing for base, and never duplicates a header or baggage member the caller set. Every request, base too,
/// gets its lane as the <c>lanes.lane</c> attribute of HttpClient's <c>http.client.request.duration</c>.
/// </summary>
internal sealed class LanePropagationHandler : DelegatingHandler
{
    private const int CacheCapacity = 256;

    private readonly string _headerName;
    private readonly string _baggageKey;
    private readonly LanesMetrics _metrics;
    private readonly ConcurrentDictionary<string, OutboundLane> _lanes = new(StringComparer.Ordinal);
    private OutboundLane? _last;

    /// <summary>Creates the handler with the configured header and baggage key.</summary>
    /// <param name="options">The lanes options.</param>
    /// <param name="metrics">Lanes' instruments, whose lane attribute values enrich the client metric.</param>
    public LanePropagationHandler(IOptions<LanesOptions> options, LanesMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _headerName = options.Value.Propagation.HeaderName;
        _baggageKey = options.Value.Propagation.BaggageKey;
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lane = LaneContext.Current;
        _metrics.EnrichClientMetrics(request, lane);
        if (lane.IsBase || !Write(request, lane))
        {
            return base.SendAsync(request, cancellationToken);
        }

        WrittenLane.Set(request, lane);
        try
        {
            return base.SendAsync(request, cancellationToken);
        }
        finally
        {
            WrittenLane.Clear();
        }
    }

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lane = LaneContext.Current;
        _metrics.EnrichClientMetrics(request, lane);
        if (lane.IsBase || !Write(request, lane))
        {
            return base.Send(request, cancellationToken);
        }

        WrittenLane.Set(request, lane);
        try
        {
            return base.Send(request, cancellationToken);
        }
        finally
        {
            WrittenLane.Clear();
        }
    }

    // Whether the lane header was written here (the caller had set none), so the request's lane is the ambient one.
    private bool Write(HttpRequestMessage request, Lane lane)
    {
        var outbound = For(lane);
        var headers = request.Headers;
        if (headers.NonValidated.Count == 0)
        {
            // Nothing set yet (an untraced call): nothing to look up, so no header name is parsed more than once.
            headers.TryAddWithoutValidation(_headerName, outbound.HeaderValue);
            if (_baggageKey.Length != 0)
            {
                headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, outbound.BaggageMember);
            }

            return true;
        }

        // One pass over what the caller set: looking each name up would parse and validate it every time.
        var hasLaneHeader = false;
        var hasBaggage = false;
        HeaderStringValues existing = default;
        foreach (var header in headers.NonValidated)
        {
            if (!hasLaneHeader && IsName(header.Key, _headerName))
            {
                hasLaneHeader = true;
            }
            else if (!hasBaggage && IsName(header.Key, LanePropagationOptions.BaggageHeaderName))
            {
                hasBaggage = true;
                existing = header.Value;
            }
        }

        if (!hasLaneHeader)
        {
            headers.TryAddWithoutValidation(_headerName, outbound.HeaderValue);
        }

        if (_baggageKey.Length == 0)
        {
            return !hasLaneHeader;
        }

        if (!hasBaggage)
        {
            // No baggage yet: the cached member is the whole header, nothing to parse.
            headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, outbound.BaggageMember);
            return !hasLaneHeader;
        }

        foreach (var value in existing)
        {
            if (W3CBaggage.TryFindLast(value, _baggageKey, out _))
            {
                return !hasLaneHeader;
            }
        }

        // The caller set baggage without the lane: put the lane member first, then theirs.
        var callerValues = new string[existing.Count];
        var i = 0;
        foreach (var value in existing)
        {
            callerValues[i++] = value;
        }

        headers.Remove(LanePropagationOptions.BaggageHeaderName);
        headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, outbound.BaggageMember);
        headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, callerValues);
        return !hasLaneHeader;
    }

    private static bool IsName(string key, string name) =>
        ReferenceEquals(key, name) || string.Equals(key, name, StringComparison.OrdinalIgnoreCase);

    // Most calls of a process carry the lane of the call before: one reference comparison, no lookup.
    private OutboundLane For(Lane lane)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.HeaderValue, lane.Name))
        {
            return last;
        }

        if (!_lanes.TryGetValue(lane.Name!, out var outbound))
        {
            outbound = new OutboundLane(lane, _baggageKey);
            if (_lanes.Count < CacheCapacity)
            {
                outbound = _lanes.GetOrAdd(lane.Name!, outbound);
            }
        }

        _last = outbound;
        return outbound;
    }
}
