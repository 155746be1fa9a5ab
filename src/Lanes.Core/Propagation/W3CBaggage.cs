namespace Lanes.Propagation;

/// <summary>The parts of the W3C Baggage format Lanes needs: find one member, decode and encode its value.</summary>
internal static class W3CBaggage
{
    /// <summary>Finds the value of the last member named <paramref name="key"/> in one baggage string; properties after <c>;</c> are dropped.</summary>
    public static bool TryFindLast(string? baggage, string key, out ReadOnlySpan<char> value)
    {
        value = default;
        if (string.IsNullOrEmpty(baggage))
        {
            return false;
        }

        var found = false;
        var rest = baggage.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var member = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? default : rest[(comma + 1)..];

            var semicolon = member.IndexOf(';');
            if (semicolon >= 0)
            {
                member = member[..semicolon];
            }

            var equals = member.IndexOf('=');
            if (equals <= 0 || !member[..equals].Trim(" \t").SequenceEqual(key))
            {
                continue;
            }

            value = member[(equals + 1)..].Trim(" \t");
            found = true;
        }

        return found;
    }

    /// <summary>
    /// The baggage string without its members named <paramref name="key"/>; <see langword="null"/> when nothing is
    /// left. Returns the input itself when it holds no such member.
    /// </summary>
    public static string? RemoveMember(string baggage, string key)
    {
        if (!TryFindLast(baggage, key, out _))
        {
            return baggage;
        }

        var kept = new System.Text.StringBuilder(baggage.Length);
        var rest = baggage.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var member = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? default : rest[(comma + 1)..];

            var end = member.IndexOfAny(';', '=');
            var name = (end < 0 ? member : member[..end]).Trim(" \t");
            if (name.IsEmpty || name.SequenceEqual(key))
            {
                continue;
            }

            if (kept.Length > 0)
            {
                kept.Append(',');
            }

            kept.Append(member.Trim(" \t"));
        }

        return kept.Length == 0 ? null : kept.ToString();
    }

    /// <summary>Percent-decodes an ASCII value into <paramref name="destination"/>; fails on bad escapes, non-ASCII or overflow.</summary>
    public static bool TryPercentDecode(ReadOnlySpan<char> source, Span<char> destination, out int written)
    {
        written = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '%')
            {
                if (i + 2 >= source.Length)
                {
                    return false;
                }

                var high = HexValue(source[i + 1]);
                var low = HexValue(source[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                c = (char)((high << 4) | low);
                if (c > 0x7F)
                {
                    return false;
                }

                i += 2;
            }

            if (written == destination.Length)
            {
                return false;
            }

            destination[written++] = c;
        }

        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
