using Microsoft.Extensions.Primitives;

namespace Lanes.Propagation;

/// <summary>
/// Reads the lane a request or message carries: the lane header first, else the lane member of
/// W3C <c>baggage</c>. Never throws and never allocates for a well-formed carrier: anything
/// malformed or oversized yields <see cref="Lane.Base"/> and says why.
/// </summary>
public static class LaneReader
{
    /// <summary>The most characters read from one carrier (the W3C baggage size every platform must accept).</summary>
    public const int MaxCarrierLength = 8192;

    // Optional whitespace around a header value or list element (RFC 9110: space and horizontal tab).
    private const string Whitespace = " \t";

    /// <summary>
    /// Reads the lane from a header's values. Repeated lines and a comma-separated line are the same list (RFC 9110,
    /// section 5.3): a proxy may merge <c>x-mse-tag: gray</c> twice into <c>gray, gray</c>. Every element must name the
    /// same lane, else the values conflict.
    /// </summary>
    /// <param name="values">The lane header's values (absent, one, or repeated).</param>
    /// <param name="lane">The lane, or <see cref="Lane.Base"/> when none or rejected.</param>
    /// <returns>Why the values were rejected, or <see cref="LaneRejection.None"/>.</returns>
    public static LaneRejection ReadHeader(StringValues values, out Lane lane)
    {
        lane = Lane.Base;
        if (values.Count == 0)
        {
            return LaneRejection.None;
        }

        var total = 0;
        for (var i = 0; i < values.Count; i++)
        {
            total += values[i]?.Length ?? 0;
            if (total > MaxCarrierLength)
            {
                return LaneRejection.TooLong;
            }
        }

        if (values.Count == 1 && values[0] is { } only && !only.Contains(','))
        {
            var trimmed = only.AsSpan().Trim(Whitespace);
            if (trimmed.IsEmpty)
            {
                return LaneRejection.None;
            }

            // The header string itself becomes the lane name when it needs no trimming: no allocation.
            var parsed = trimmed.Length == only.Length ? Lane.TryParseFromRequest(only, out lane) : Lane.TryParseFromRequest(trimmed, out lane);
            return parsed ? LaneRejection.None : LaneRejection.Invalid;
        }

        ReadOnlySpan<char> first = default;
        var found = false;
        for (var i = 0; i < values.Count; i++)
        {
            var rest = (values[i] ?? string.Empty).AsSpan();
            while (true)
            {
                var comma = rest.IndexOf(',');
                var element = (comma < 0 ? rest : rest[..comma]).Trim(Whitespace);
                if (!element.IsEmpty)
                {
                    if (!found)
                    {
                        first = element;
                        found = true;
                    }
                    else if (!element.SequenceEqual(first))
                    {
                        return LaneRejection.Conflicting;
                    }
                }

                if (comma < 0)
                {
                    break;
                }

                rest = rest[(comma + 1)..];
            }
        }

        if (!found)
        {
            return LaneRejection.None;
        }

        return Lane.TryParseFromRequest(first, out lane) ? LaneRejection.None : LaneRejection.Invalid;
    }

    /// <summary>Reads the lane member from W3C <c>baggage</c> header values.</summary>
    /// <param name="values">The baggage header's values; several headers form one list.</param>
    /// <param name="key">The baggage key that carries the lane.</param>
    /// <param name="lane">The lane, or <see cref="Lane.Base"/> when none or rejected.</param>
    /// <returns>Why the baggage was rejected, or <see cref="LaneRejection.None"/>.</returns>
    public static LaneRejection ReadBaggage(StringValues values, string key, out Lane lane)
    {
        lane = Lane.Base;
        if (values.Count == 0 || string.IsNullOrEmpty(key))
        {
            return LaneRejection.None;
        }

        var total = 0;
        for (var i = 0; i < values.Count; i++)
        {
            total += values[i]?.Length ?? 0;
        }

        if (total > MaxCarrierLength)
        {
            return LaneRejection.TooLong;
        }

        // W3C: a later duplicate key overrides an earlier one, across headers too.
        var found = false;
        ReadOnlySpan<char> member = default;
        for (var i = 0; i < values.Count; i++)
        {
            if (W3CBaggage.TryFindLast(values[i], key, out var value))
            {
                member = value;
                found = true;
            }
        }

        if (!found || member.IsEmpty)
        {
            return LaneRejection.None;
        }

        if (member.Contains('%'))
        {
            Span<char> decoded = stackalloc char[Lane.MaxLength];
            if (!W3CBaggage.TryPercentDecode(member, decoded, out var written))
            {
                return LaneRejection.Invalid;
            }

            return Lane.TryParseFromRequest(decoded[..written], out lane) ? LaneRejection.None : LaneRejection.Invalid;
        }

        return Lane.TryParseFromRequest(member, out lane) ? LaneRejection.None : LaneRejection.Invalid;
    }

    /// <summary>Reads the lane from a header and, when the header is absent, from baggage.</summary>
    /// <param name="header">The lane header's values.</param>
    /// <param name="baggage">The baggage header's values.</param>
    /// <param name="baggageKey">The baggage key that carries the lane; empty to ignore baggage.</param>
    /// <param name="lane">The lane, or <see cref="Lane.Base"/> when none or rejected.</param>
    /// <returns>Why the carrier was rejected, or <see cref="LaneRejection.None"/>.</returns>
    public static LaneRejection Read(StringValues header, StringValues baggage, string baggageKey, out Lane lane)
    {
        if (header.Count > 0)
        {
            return ReadHeader(header, out lane);
        }

        return ReadBaggage(baggage, baggageKey, out lane);
    }
}
