using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Lanes.RolloutController.Api;

/// <summary>JSON settings for the Kruise resources: camelCase names, nulls omitted.</summary>
internal static class ApiJson
{
    /// <summary>The options used to read and write every model in this namespace.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = false,
    };

    /// <summary>Reads a model from a JSON node.</summary>
    public static T? Read<T>(JsonNode? node) => node is null ? default : node.Deserialize<T>(Options);

    /// <summary>Writes a model to a JSON node.</summary>
    public static JsonNode? Write<T>(T value) => JsonSerializer.SerializeToNode(value, Options);
}
