using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Lanes.Kubernetes.Emulator;

/// <summary>Reads Kubernetes YAML manifests (several documents separated by <c>---</c>) into stored objects.</summary>
internal static class YamlManifests
{
    /// <summary>Each document's collection (from its <c>apiVersion</c> and <c>kind</c>) and object.</summary>
    public static IReadOnlyList<(ResourceType Type, JsonObject Object)> Read(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();
        var result = new List<(ResourceType, JsonObject)>();
        foreach (var document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            if (deserializer.Deserialize<object>(document) is not { } value)
            {
                continue;
            }

            if (JsonSerializer.SerializeToNode(ToPlain(value)) is not JsonObject obj
                || obj["apiVersion"]?.GetValue<string>() is not { } apiVersion || obj["kind"]?.GetValue<string>() is not { } kind)
            {
                throw new FormatException("Every manifest document needs apiVersion and kind.");
            }

            result.Add((ResourceType.Of(apiVersion, kind), obj));
        }

        return result;
    }

    // YamlDotNet gives dictionaries keyed by object; JSON wants string keys.
    private static object? ToPlain(object? value) => value switch
    {
        IDictionary<object, object> map => map.ToDictionary(static p => p.Key.ToString()!, static p => ToPlain(p.Value)),
        IList<object> list => list.Select(ToPlain).ToList(),
        _ => value,
    };
}
