using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>RFC 7386 merge patch, RFC 6902 JSON patch and strategic merge patch.</summary>
public static class JsonPatching
{
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var current = result[name];
                result.Remove(name);
                result[name] = MergePatch(current?.DeepClone(), value);
            }
        }

        return result;
    }

    /// <summary>Strategic merge patch of a built-in object (see <see cref="StrategicMerge"/>).</summary>
    public static JsonNode? StrategicMergePatch(JsonNode? target, JsonNode? patch) => StrategicMerge.Apply(target, patch);

    public static JsonNode ApplyJsonPatch(JsonNode target, JsonArray operations)
    {
        var root = target.DeepClone();
        foreach (var op in operations.OfType<JsonObject>())
        {
            var kind = op["op"]?.GetValue<string>() ?? throw ApiException.BadRequest("JSON patch operation without op");
            var path = op["path"]?.GetValue<string>() ?? throw ApiException.BadRequest("JSON patch operation without path");
            switch (kind)
            {
                case "add":
                    Add(ref root, path, op["value"]?.DeepClone());
                    break;
                case "replace":
                    Remove(root, path);
                    Add(ref root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                    {
                        throw new ApiException(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"test operation failed at {path}");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unsupported JSON patch operation {kind}");
            }
        }

        return root;
    }

    private static string[] Segments(string path) =>
        path.Split('/').Skip(1).Select(static s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Resolve(JsonNode? node, string path)
    {
        foreach (var segment in Segments(path))
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static void Add(ref JsonNode root, string path, JsonNode? value)
    {
        var segments = Segments(path);
        if (segments.Length == 0)
        {
            root = value ?? throw ApiException.BadRequest("cannot replace the document with null");
            return;
        }

        var parent = Resolve(root, "/" + string.Join('/', segments[..^1].Select(static s => s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var index) && index <= a.Count:
                a.Insert(index, value);
                break;
            default:
                throw new ApiException(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"path {path} does not exist");
        }
    }

    private static void Remove(JsonNode root, string path)
    {
        var segments = Segments(path);
        var parent = Resolve(root, "/" + string.Join('/', segments[..^1].Select(static s => s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));
        var last = segments[^1];
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new ApiException(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"path {path} does not exist");
        }
    }

    private static bool RemoveAt(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }
}
