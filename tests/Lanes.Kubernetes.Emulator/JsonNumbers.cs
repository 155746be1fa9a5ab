using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>Reads numbers from nodes whether they were parsed or built in memory (JsonNode is strict about the CLR type).</summary>
public static class JsonNumbers
{
    public static long? ReadLong(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) => (long)d,
        JsonValue v when long.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public static int? ReadInt(JsonNode? node) => ReadLong(node) is { } l ? (int)l : null;
}
