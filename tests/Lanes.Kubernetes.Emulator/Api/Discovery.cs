using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The legacy (unaggregated) discovery documents kubectl and client-go read before any request: <c>/api</c>,
/// <c>/apis</c>, <c>/apis/&lt;group&gt;</c> and the resource lists of each group version
/// (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api). Aggregated discovery is optional:
/// a client asking for it here gets the unaggregated document with <c>Content-Type: application/json</c>, which
/// tells it to fall back.
/// </summary>
internal static class Discovery
{
    private static readonly string[] ObjectVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups(ResourceCatalog catalog)
    {
        var groups = new JsonArray();
        foreach (var group in catalog.All.Where(static d => d.Group.Length > 0).Select(static d => d.Group).Distinct())
        {
            groups.Add(Group(catalog, group));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? Group(ResourceCatalog catalog, string group)
    {
        var versions = catalog.All.Where(d => d.Group == group)
            .SelectMany(static d => d.Versions.Where(static v => v.Served).Select(static v => v.Name))
            .Distinct()
            .OrderBy(static v => v, KubeVersionComparer.Instance)
            .ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        JsonObject Entry(string v) => new() { ["groupVersion"] = group + "/" + v, ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Entry(v))]),
            ["preferredVersion"] = Entry(versions[0]),
        };
    }

    public static JsonObject? Resources(ResourceCatalog catalog, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var definition in catalog.All.Where(d => d.Group == group))
        {
            if (definition.Served(version) is not { } served)
            {
                continue;
            }

            var entry = new JsonObject
            {
                ["name"] = definition.Plural,
                ["singularName"] = definition.Singular,
                ["namespaced"] = definition.Namespaced,
                ["kind"] = definition.Kind,
                ["verbs"] = new JsonArray([.. (definition.Plural == "selfsubjectaccessreviews" ? ["create"] : ObjectVerbs).Select(static v => (JsonNode)v)]),
            };
            if (definition.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray([.. definition.ShortNames.Select(static s => (JsonNode)s)]);
            }

            resources.Add(entry);
            if (served.StatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = definition.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = definition.Namespaced,
                    ["kind"] = definition.Kind,
                    ["verbs"] = new JsonArray([.. StatusVerbs.Select(static v => (JsonNode)v)]),
                });
            }
        }

        return resources.Count == 0 ? null : new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }
}
