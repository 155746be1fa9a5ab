using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Lanes.Propagation;

/// <summary>
/// Writes the ambient lane (<see cref="LaneContext.Current"/>) on outbound requests: the lane header
/// and a member of W3C <c>baggage</c>, placed first so baggage size limits downstream cannot drop it.
/// Writes nothing for base, and never duplicates a header or baggage member the caller set.
/// </summary>
public sealed class LanePropagationHandler : DelegatingHandler
{
    private const int MemberCacheCapacity = 256;

    private readonly string _headerName;
    private readonly string _baggageKey;
    private readonly ConcurrentDictionary<string, string> _baggageMembers = new(StringComparer.Ordinal);

    /// <summary>Creates the handler with the configured header and baggage key.</summary>
    /// <param name="options">The lanes options.</param>
    public LanePropagationHandler(IOptions<LanesOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _headerName = options.Value.Propagation.HeaderName;
        _baggageKey = options.Value.Propagation.BaggageKey;
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lane = LaneContext.Current;
        if (!lane.IsBase)
        {
            Write(request, lane);
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lane = LaneContext.Current;
        if (!lane.IsBase)
        {
            Write(request, lane);
        }

        return base.Send(request, cancellationToken);
    }

    private void Write(HttpRequestMessage request, Lane lane)
    {
        var headers = request.Headers;
        if (!headers.NonValidated.Contains(_headerName))
        {
            headers.TryAddWithoutValidation(_headerName, lane.Name);
        }

        if (_baggageKey.Length == 0)
        {
            return;
        }

        if (!headers.NonValidated.TryGetValues(LanePropagationOptions.BaggageHeaderName, out var existing))
        {
            headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, BaggageMember(lane.Name!));
            return;
        }

        foreach (var value in existing)
        {
            if (W3CBaggage.TryFindLast(value, _baggageKey, out _))
            {
                return;
            }
        }

        // The caller set baggage without the lane: put the lane member first, then theirs.
        var callerValues = new List<string>(existing.Count);
        foreach (var value in existing)
        {
            callerValues.Add(value);
        }

        headers.Remove(LanePropagationOptions.BaggageHeaderName);
        headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, BaggageMember(lane.Name!));
        headers.TryAddWithoutValidation(LanePropagationOptions.BaggageHeaderName, callerValues);
    }

    private string BaggageMember(string laneName)
    {
        if (_baggageMembers.TryGetValue(laneName, out var member))
        {
            return member;
        }

        // Lane names need no percent-encoding: every allowed character is a baggage octet.
        member = string.Concat(_baggageKey, "=", laneName);
        return _baggageMembers.Count < MemberCacheCapacity ? _baggageMembers.GetOrAdd(laneName, member) : member;
    }
}
