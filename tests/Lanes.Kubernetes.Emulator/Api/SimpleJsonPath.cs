using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The simple JSONPath a CRD's printer columns may use: dotted fields and array indexes, such as
/// <c>.status.conditions[0].type</c> (the apiextensions validation refuses anything richer).
/// </summary>
internal static class SimpleJsonPath
{
    public static JsonNode? Find(JsonNode? root, string path)
    {
        var node = root;
        foreach (var raw in path.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw;
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var field = bracket < 0 ? segment : segment[..bracket];
            if (field.Length > 0)
            {
                node = node is JsonObject o ? o[field] : null;
            }

            while (bracket >= 0 && node is not null)
            {
                var close = segment.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(segment.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                node = node is JsonArray a && index < a.Count ? a[index] : null;
                bracket = segment.IndexOf('[', close);
            }
        }

        return node;
    }
}
