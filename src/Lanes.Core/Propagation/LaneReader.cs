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

    /// <summary>Reads the lane from a header's values.</summary>
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

        var first = values[0] ?? string.Empty;
        var total = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i] ?? string.Empty;
            total += value.Length;
            if (total > MaxCarrierLength)
            {
                return LaneRejection.TooLong;
            }

            if (i > 0 && !string.Equals(value, first, StringComparison.Ordinal))
            {
                return LaneRejection.Conflicting;
            }
        }

        var trimmed = first.AsSpan().Trim(' ');
        if (trimmed.IsEmpty)
        {
            return LaneRejection.None;
        }

        // The header string itself becomes the lane name when it needs no trimming: no allocation.
        var parsed = trimmed.Length == first.Length ? Lane.TryParse(first, out lane) : Lane.TryParse(trimmed, out lane);
        return parsed ? LaneRejection.None : LaneRejection.Invalid;
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

            return Lane.TryParse(decoded[..written], out lane) ? LaneRejection.None : LaneRejection.Invalid;
        }

        return Lane.TryParse(member, out lane) ? LaneRejection.None : LaneRejection.Invalid;
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
