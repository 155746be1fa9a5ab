namespace Lanes.Cli.Rendering;

/// <summary>kubectl get's plain table: upper-case headers, columns padded to the widest cell and three spaces apart.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = headers.Select(static h => h.Length).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WriteRow(output, headers, widths);
        foreach (var row in rows)
        {
            WriteRow(output, row, widths);
        }
    }

    private static void WriteRow(TextWriter output, IReadOnlyList<string> cells, int[] widths)
    {
        var line = string.Concat(cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i] + 3)));
        output.WriteLine(line.TrimEnd());
    }

    /// <summary>kubectl's AGE column: 45s, 5m, 3h, 2d.</summary>
    public static string Age(DateTimeOffset? created, DateTimeOffset now)
    {
        if (created is null)
        {
            return "<unknown>";
        }

        var age = now - created.Value;
        return age.TotalSeconds < 120 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
