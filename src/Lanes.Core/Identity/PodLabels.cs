using System.Text;
using Lanes.Extensibility;

namespace Lanes.Identity;

/// <summary>
/// Reads the pod labels file written by the Kubernetes downward API (one <c>key="value"</c> per line,
/// values quoted and escaped like Go's <c>%q</c>) and finds the lane the <see cref="InstanceLaneLabels"/> conventions put there.
/// </summary>
internal static class PodLabels
{
    /// <summary>Parses the labels file; malformed lines are skipped and counted.</summary>
    public static Dictionary<string, string> Parse(string content, out int malformedLines)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        malformedLines = 0;
        foreach (var rawLine in content.AsSpan().EnumerateLines())
        {
            var line = rawLine.Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0 || !TryUnquote(line[(equals + 1)..], out var value))
            {
                malformedLines++;
                continue;
            }

            labels[line[..equals].ToString()] = value;
        }

        return labels;
    }

    /// <summary>The lane the labels give, with the label that gave it: see <see cref="InstanceLaneLabels.FindLane"/>.</summary>
    public static (string Value, string Label)? FindLane(IReadOnlyDictionary<string, string> labels) => InstanceLaneLabels.FindLane(labels);

    private static bool TryUnquote(ReadOnlySpan<char> quoted, out string value)
    {
        value = string.Empty;
        if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"')
        {
            return false;
        }

        var inner = quoted[1..^1];
        if (!inner.Contains('\\'))
        {
            value = inner.ToString();
            return true;
        }

        var builder = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (++i == inner.Length)
            {
                return false;
            }

            switch (inner[i])
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                default: return false;
            }
        }

        value = builder.ToString();
        return true;
    }
}
