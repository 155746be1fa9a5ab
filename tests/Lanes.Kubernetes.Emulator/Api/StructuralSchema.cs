using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// What the API server does with a custom resource's structural schema on every write: fields the schema does
/// not name are pruned (unless <c>x-kubernetes-preserve-unknown-fields</c>), and missing fields with a
/// <c>default</c> get it
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning,
/// .../custom-resource-definitions/#defaulting).
/// </summary>
internal static class StructuralSchema
{
    public static void PruneAndDefault(JsonObject obj, JsonObject schema)
    {
        // apiVersion, kind and metadata are never pruned at the root; metadata is the API server's own.
        var metadata = obj["metadata"];
        var apiVersion = obj["apiVersion"];
        var kind = obj["kind"];
        obj.Remove("metadata");
        obj.Remove("apiVersion");
        obj.Remove("kind");
        Apply(obj, schema);
        obj.Remove("metadata");
        obj.Remove("apiVersion");
        obj.Remove("kind");
        if (apiVersion is not null)
        {
            obj["apiVersion"] = apiVersion;
        }

        if (kind is not null)
        {
            obj["kind"] = kind;
        }

        if (metadata is not null)
        {
            obj["metadata"] = metadata;
        }
    }

    private static void Apply(JsonNode? node, JsonObject schema)
    {
        switch (node)
        {
            case JsonObject obj:
                ApplyToObject(obj, schema);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    Apply(item, items);
                }

                break;
        }
    }

    private static void ApplyToObject(JsonObject obj, JsonObject schema)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var name in obj.Select(static p => p.Key).ToList())
        {
            if (properties?[name] is JsonObject property)
            {
                Apply(obj[name], property);
            }
            else if (additional is not null)
            {
                Apply(obj[name], additional);
            }
            else if (!preserve)
            {
                obj.Remove(name);
            }
        }

        if (properties is null)
        {
            return;
        }

        foreach (var (name, property) in properties)
        {
            if (!obj.ContainsKey(name) && property?["default"] is { } value)
            {
                var defaulted = value.DeepClone();
                obj[name] = defaulted;
                Apply(defaulted, (JsonObject)property);
            }
        }
    }
}
