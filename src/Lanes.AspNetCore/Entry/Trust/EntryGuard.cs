using System.Collections.Frozen;
using System.Diagnostics;
using Lanes.AspNetCore.Diagnostics;
using Lanes.Propagation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>
/// The trust boundary at the entry. Before any rule runs, the lane header and the lane member of <c>baggage</c> that a
/// client sent are removed, from the request headers and from the baggage ASP.NET Core already put on
/// <see cref="Activity.Current"/> (which .NET's propagator would send on with every outgoing call). Two exceptions keep
/// a client's lane: a peer in <c>TrustedProxies</c>, and a valid lane token; <c>AllowedLanes</c> limits both.
/// Oversized headers are refused. Nothing here fails a request with a 500.
/// </summary>
internal sealed partial class EntryGuard : IDisposable
{
    public const string HeaderTooLarge = "header_too_large";
    private const string Untrusted = "untrusted";
    private const string LaneNotAllowed = "lane_not_allowed";

    private readonly TrustedNetworks _trusted;
    private readonly FrozenSet<string>? _allowed;
    private readonly LaneTokenOptions _tokenOptions;
    private readonly string _tokenHeader;
    private readonly string _laneHeader;
    private readonly string _baggageKey;
    private readonly int _maxHeaderLength;
    private readonly TimeProvider _time;
    private readonly EntryMetrics _metrics;
    private readonly ILogger<EntryGuard> _logger;
    private readonly ITimer? _keyReload;
    private volatile LaneTokenKeys _keys;

    public EntryGuard(IOptions<LaneEntryOptions> options, IOptions<LanesOptions> lanes, TimeProvider time, EntryMetrics metrics, ILogger<EntryGuard> logger)
    {
        var entry = options.Value;
        _trusted = TrustedNetworks.Parse(entry.TrustedProxies, errors: []);
        _allowed = entry.AllowedLanes.Count == 0 ? null : entry.AllowedLanes.ToFrozenSet(StringComparer.Ordinal);
        _tokenOptions = entry.Tokens;
        _tokenHeader = entry.Tokens.HeaderName;
        _laneHeader = lanes.Value.Propagation.HeaderName;
        _baggageKey = lanes.Value.Propagation.BaggageKey;
        _maxHeaderLength = entry.MaxHeaderLength;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _keys = LoadKeys();
        if (!string.IsNullOrWhiteSpace(entry.Tokens.KeysDirectory))
        {
            // A mounted Secret changes under us when keys rotate.
            using (ExecutionContext.SuppressFlow())
            {
                _keyReload = time.CreateTimer(static state => ((EntryGuard)state!).ReloadKeys(), this, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
            }
        }
    }

    public int KeyCount => _keys.Count;

    public EntryVerdict Admit(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (!HeadersFit(headers, out var tooLarge))
        {
            _metrics.Rejected(HeaderTooLarge);
            Log.HeaderTooLarge(_logger, tooLarge, _maxHeaderLength);
            context.Items[HeaderTooLarge] = tooLarge;
            return EntryVerdict.HeaderTooLarge;
        }

        if (!_trusted.IsEmpty && _trusted.Contains(context.Connection.RemoteIpAddress))
        {
            AdmitTrusted(headers);
            return EntryVerdict.Admitted;
        }

        if (headers.TryGetValue(_tokenHeader, out var token))
        {
            headers.Remove(_tokenHeader);   // the token is for the entry; services behind it never see it
            StripLane(headers);
            AdmitToken(headers, token);
            return EntryVerdict.Admitted;
        }

        if (StripLane(headers))
        {
            _metrics.Rejected(Untrusted);
            Log.Untrusted(_logger);
        }

        return EntryVerdict.Admitted;
    }

    private bool HeadersFit(IHeaderDictionary headers, out string name)
    {
        foreach (var (key, values) in headers)
        {
            var length = 0;
            for (var i = 0; i < values.Count; i++)
            {
                length += values[i]?.Length ?? 0;
            }

            if (length > _maxHeaderLength)
            {
                name = key;
                return false;
            }
        }

        name = string.Empty;
        return true;
    }

    private void AdmitTrusted(IHeaderDictionary headers)
    {
        if (_allowed is null)
        {
            return;
        }

        _ = LaneReader.Read(headers[_laneHeader], _baggageKey.Length == 0 ? default : headers[LanePropagationOptions.BaggageHeaderName], _baggageKey, out var lane);
        if (!lane.IsBase && !_allowed.Contains(lane.Name!))
        {
            StripLane(headers);
            _metrics.Rejected(LaneNotAllowed);
            Log.LaneNotAllowed(_logger, lane.Name!);
        }
    }

    private void AdmitToken(IHeaderDictionary headers, StringValues token)
    {
        var verdict = token.Count == 1
            ? LaneToken.Verify(token[0], _keys, _time.GetUtcNow().ToUnixTimeSeconds(), out var lane)
            : Malformed(out lane);
        if (verdict != TokenVerdict.Valid)
        {
            var reason = verdict switch
            {
                TokenVerdict.Expired => "token_expired",
                TokenVerdict.Forged => "token_forged",
                TokenVerdict.UnknownKey => "token_unknown_key",
                _ => "token_malformed",
            };
            _metrics.Rejected(reason);
            Log.TokenRejected(_logger, reason);
            return;
        }

        if (_allowed is not null && !_allowed.Contains(lane.Name!))
        {
            _metrics.Rejected(LaneNotAllowed);
            Log.LaneNotAllowed(_logger, lane.Name!);
            return;
        }

        headers[_laneHeader] = lane.Name;
        Log.TokenAccepted(_logger, lane.Name!);
    }

    private static TokenVerdict Malformed(out Lane lane)
    {
        lane = Lane.Base;
        return TokenVerdict.Malformed;
    }

    /// <summary>Removes the lane header, the lane member of baggage and the lane baggage on the current activity.</summary>
    /// <returns>Whether the client had sent a lane.</returns>
    private bool StripLane(IHeaderDictionary headers)
    {
        var found = headers.Remove(_laneHeader);
        if (_baggageKey.Length == 0)
        {
            return found;
        }

        if (headers.TryGetValue(LanePropagationOptions.BaggageHeaderName, out var baggage))
        {
            string?[]? rewritten = null;
            for (var i = 0; i < baggage.Count; i++)
            {
                var value = baggage[i];
                if (value is null)
                {
                    continue;
                }

                var without = W3CBaggage.RemoveMember(value, _baggageKey);
                if (!ReferenceEquals(without, value))
                {
                    rewritten ??= baggage.ToArray();
                    rewritten[i] = without;
                    found = true;
                }
            }

            if (rewritten is not null)
            {
                var kept = Array.FindAll(rewritten, static v => v is not null);
                if (kept.Length == 0)
                {
                    headers.Remove(LanePropagationOptions.BaggageHeaderName);
                }
                else
                {
                    headers[LanePropagationOptions.BaggageHeaderName] = new StringValues(kept);
                }
            }
        }

        // ASP.NET Core extracted the baggage onto the request's activity before any middleware ran; .NET's propagator
        // re-sends it on every outgoing call (YARP's too), so a lane left there would come back at the next hop.
        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            for (var i = 0; i < 16 && activity.GetBaggageItem(_baggageKey) is not null; i++)
            {
                activity.SetBaggage(_baggageKey, null);
                found = true;
            }
        }

        return found;
    }

    private LaneTokenKeys LoadKeys()
    {
        var warnings = new List<string>();
        var keys = LaneTokenKeys.Load(_tokenOptions, errors: [], warnings);
        foreach (var warning in warnings)
        {
            Log.KeyIgnored(_logger, warning);
        }

        return keys;
    }

    private void ReloadKeys() => _keys = LoadKeys();

    public void Dispose() => _keyReload?.Dispose();
}
