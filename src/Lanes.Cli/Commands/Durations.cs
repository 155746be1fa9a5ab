namespace Lanes.Cli.Commands;

/// <summary>Duration flags as kubectl takes them.</summary>
internal static class Durations
{
    // kubectl's durations (90s, 10m, 1h) or a TimeSpan (00:10:00).
    public static TimeSpan Parse(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (text.Length > 1 && double.TryParse(text.AsSpan(0, text.Length - (text.EndsWith("ms", StringComparison.Ordinal) ? 2 : 1)), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            if (text.EndsWith("ms", StringComparison.Ordinal))
            {
                return TimeSpan.FromMilliseconds(value);
            }

            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(value);
                case 'm': return TimeSpan.FromMinutes(value);
                case 'h': return TimeSpan.FromHours(value);
            }
        }

        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        result.AddError($"invalid duration \"{text}\": use e.g. 90s, 10m or 1h");
        return TimeSpan.Zero;
    }
}
