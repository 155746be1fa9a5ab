using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Field selectors as the API server supports them for every type: <c>metadata.name</c> and
/// <c>metadata.namespace</c> with <c>=</c>, <c>==</c> or <c>!=</c>; pods add <c>spec.nodeName</c> and
/// <c>status.phase</c>. Any other field is a 400, as on a real server
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/).
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Negate)> _terms = [];

    public static FieldSelector? Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var selector = new FieldSelector();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var negate = raw.Contains("!=", StringComparison.Ordinal);
            var parts = negate ? raw.Split("!=", 2) : raw.Split('=', 2);
            if (parts.Length != 2)
            {
                throw ApiException.BadRequest($"invalid field selector: \"{raw}\"");
            }

            var field = parts[0].Trim();
            var supported = field is "metadata.name" or "metadata.namespace" || (type == ResourceType.Pods && field is "spec.nodeName" or "status.phase");
            if (!supported)
            {
                throw ApiException.BadRequest($"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }

            selector._terms.Add((field.Split('.'), parts[1].TrimStart('=').Trim(), negate));
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, value, negate) in _terms)
        {
            JsonNode? node = obj;
            foreach (var segment in path)
            {
                node = node?[segment];
            }

            var actual = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if ((actual == value) == negate)
            {
                return false;
            }
        }

        return true;
    }
}
