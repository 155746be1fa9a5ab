using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The OpenAPI v3 discovery kubectl reads before a write (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3):
/// the root lists one document per group version, and each document's PATCH operations name their
/// <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, which tells kubectl to let the
/// server validate fields (<c>?fieldValidation=Strict</c>) instead of downloading schemas. Schemas of built-in types
/// are not published here.
/// </summary>
internal static class OpenApiDocuments
{
    private static readonly string[] PatchParameters = ["dryRun", "fieldManager", "fieldValidation", "force"];

    /// <summary>The Content-Type the API server answers kubectl's protobuf <c>/openapi/v2</c> request with.</summary>
    public const string V2ProtobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>
    /// <c>/openapi/v2</c> as gnostic's protobuf Document with no definitions: kubectl only falls back to it (client-side
    /// validation) for a kind the v3 documents do not list, and it skips validation of kinds without a schema, so an
    /// unknown kind then fails where it should, in kubectl's REST mapping ("no matches for kind").
    /// </summary>
    public static byte[] V2Protobuf()
    {
        static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];
        var info = Field(1, "Kubernetes"u8.ToArray()).Concat(Field(2, "v1.35.0"u8.ToArray())).ToArray();
        return [.. Field(1, "2.0"u8.ToArray()), .. Field(2, info)];
    }

    public static JsonObject Root(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var (group, version) in GroupVersions(catalog))
        {
            var path = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={Hash(catalog, group, version)}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(ResourceCatalog catalog, string group, string version)
    {
        var paths = new JsonObject();
        foreach (var definition in catalog.All.Where(d => d.Group == group && d.Served(version) is not null))
        {
            var prefix = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
            var item = definition.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{definition.Plural}/{{name}}" : $"{prefix}/{definition.Plural}/{{name}}";
            paths[item] = new JsonObject { ["patch"] = PatchOperation(definition, group, version) };
            if (definition.Served(version)!.StatusSubresource)
            {
                paths[item + "/status"] = new JsonObject { ["patch"] = PatchOperation(definition, group, version) };
            }
        }

        return paths.Count == 0 ? null : new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject PatchOperation(ResourceDefinition definition, string group, string version) => new()
    {
        ["operationId"] = "patch" + definition.Kind,
        ["parameters"] = new JsonArray([.. PatchParameters.Select(static p => (JsonNode)new JsonObject
        {
            ["name"] = p,
            ["in"] = "query",
            ["schema"] = new JsonObject { ["type"] = p == "force" ? "boolean" : "string", ["uniqueItems"] = true },
        })]),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = "patch",
        ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = definition.Kind },
    };

    private static IEnumerable<(string Group, string Version)> GroupVersions(ResourceCatalog catalog) =>
        catalog.All.SelectMany(static d => d.Versions.Where(static v => v.Served).Select(v => (d.Group, v.Name))).Distinct();

    // Changes whenever the group version's resources change, so clients re-read it.
    private static string Hash(ResourceCatalog catalog, string group, string version)
    {
        var hash = new HashCode();
        foreach (var definition in catalog.All.Where(d => d.Group == group && d.Served(version) is not null))
        {
            hash.Add(definition.Plural, StringComparer.Ordinal);
            hash.Add(definition.Kind, StringComparer.Ordinal);
        }

        return ((uint)hash.ToHashCode()).ToString("X8", CultureInfo.InvariantCulture);
    }
}
