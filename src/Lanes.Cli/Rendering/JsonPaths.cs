using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lanes.Cli.Rendering;

/// <summary>Tolerant reads of JSON fields: a field that is absent or of another type reads as missing, never throws.</summary>
internal static class JsonPaths
{
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    public static int? Int(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (value.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue)
        {
            return (int)l;
        }

        if (value.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
        {
            return (int)d;
        }

        return value.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) ? n : null;
    }

    public static long? Long(JsonNode? node) =>
        node is JsonValue value && (value.TryGetValue<long>(out var l) || (value.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out l))) ? l : null;

    public static bool? Bool(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>An int-or-string field (<c>replicas: 1</c> or <c>"20%"</c>) as written.</summary>
    public static string? IntOrString(JsonNode? node) =>
        String(node) ?? Int(node)?.ToString(CultureInfo.InvariantCulture);
}
