using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Lanes.Cli.Rendering;

/// <summary>Writes API objects for <c>-o json</c> (indented, as kubectl) and <c>-o yaml</c>.</summary>
internal static class ObjectWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases().Build();

    public static void Write(TextWriter output, JsonNode node, OutputFormat format)
    {
        if (format == OutputFormat.Yaml)
        {
            output.Write(Yaml.Serialize(ToPlain(node)));
            return;
        }

        output.WriteLine(node.ToJsonString(Indented));
    }

    // YamlDotNet serializes dictionaries, lists and scalars; strings that read as other types are quoted.
    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(static p => p.Key, static p => ToPlain(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<long>(out var l) => l,
        JsonValue value when value.TryGetValue<double>(out var d) => d,
        JsonValue value when value.TryGetValue<JsonElement>(out var e) => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when e.TryGetInt64(out var n) => n,
            JsonValueKind.Number => e.GetDouble(),
            _ => null,
        },
        _ => null,
    };
}
