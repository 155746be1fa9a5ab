using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic.Gateway;

/// <summary>
/// The rules of an HTTPRoute during a step, built from its rules before the release (pure). Header, query and path
/// matches become cloned rules that send matching requests to the canary backend; a share of traffic becomes
/// backendRef weights (stable <c>100-w</c>, canary <c>w</c>). <c>requestHeaderModifier</c> becomes a
/// <c>RequestHeaderModifier</c> filter on the canary rule or canary backendRef (Kruise drops it).
/// </summary>
internal static class HttpRouteRules
{
    public static JsonArray Build(JsonArray original, string stableService, string canaryService, TrafficStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(strategy);
        if (strategy.Matches is { Count: > 0 } matches)
        {
            return ByMatches(original, stableService, canaryService, matches, strategy.RequestHeaderModifier);
        }

        var weight = strategy.CanaryPercent();
        return weight < 0 ? (JsonArray)original.DeepClone() : ByWeight(original, stableService, canaryService, weight, strategy.RequestHeaderModifier);
    }

    /// <summary>Whether some rule sends traffic to the Service.</summary>
    public static bool RoutesTo(JsonArray rules, string service) =>
        rules.OfType<JsonObject>().Any(r => IndexOfService(r, service) >= 0);

    private static JsonArray ByMatches(JsonArray original, string stableService, string canaryService, IReadOnlyList<HttpRouteMatch> matches, HttpHeaderFilter? modifier)
    {
        var desired = new JsonArray();
        var canaries = new List<JsonObject>();
        var pathMatches = matches.Where(static m => m.Path is not null).ToList();
        var otherMatches = matches.Where(static m => m.Path is null).ToList();
        foreach (var rule in original.OfType<JsonObject>())
        {
            desired.Add(rule.DeepClone());
            var stable = IndexOfService(rule, stableService);
            if (stable < 0)
            {
                continue;
            }

            var canary = (JsonObject)rule.DeepClone();
            var canaryRef = (JsonObject)rule["backendRefs"]![stable]!.DeepClone();
            canaryRef["name"] = canaryService;
            canary["backendRefs"] = new JsonArray(canaryRef);
            if (canary["name"] is JsonValue name)
            {
                canary["name"] = name.GetValue<string>() + "-canary";
            }

            var newMatches = new JsonArray();

            // A match with a path stands on its own; Kruise adds it to the first rule only.
            foreach (var match in pathMatches)
            {
                newMatches.Add(ToJson(match));
            }

            pathMatches.Clear();
            var ruleMatches = rule["matches"] is JsonArray { Count: > 0 } existing
                ? existing.OfType<JsonObject>().ToList()
                : [new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" } }];
            foreach (var ruleMatch in ruleMatches)
            {
                foreach (var match in otherMatches)
                {
                    var combined = (JsonObject)ruleMatch.DeepClone();
                    Append(combined, "headers", match.Headers);
                    Append(combined, "queryParams", match.QueryParams);
                    newMatches.Add(combined);
                }
            }

            if (newMatches.Count == 0)
            {
                continue;
            }

            canary["matches"] = newMatches;
            if (modifier is not null)
            {
                canary["filters"] = WithModifier(canary["filters"] as JsonArray, modifier);
            }

            canaries.Add(canary);
        }

        foreach (var canary in canaries)
        {
            desired.Add(canary);
        }

        return desired;
    }

    private static JsonArray ByWeight(JsonArray original, string stableService, string canaryService, int weight, HttpHeaderFilter? modifier)
    {
        var desired = new JsonArray();
        foreach (var source in original.OfType<JsonObject>())
        {
            var rule = (JsonObject)source.DeepClone();
            var stable = IndexOfService(rule, stableService);
            if (stable >= 0)
            {
                var refs = (JsonArray)rule["backendRefs"]!;
                var stableRef = (JsonObject)refs[stable]!;
                var canaryRef = (JsonObject)stableRef.DeepClone();
                canaryRef["name"] = canaryService;
                canaryRef["weight"] = weight;
                stableRef["weight"] = 100 - weight;
                if (modifier is not null)
                {
                    canaryRef["filters"] = WithModifier(canaryRef["filters"] as JsonArray, modifier);
                }

                refs.Insert(stable + 1, canaryRef);
            }

            desired.Add(rule);
        }

        return desired;
    }

    private static int IndexOfService(JsonObject rule, string service)
    {
        if (rule["backendRefs"] is not JsonArray refs)
        {
            return -1;
        }

        for (var i = 0; i < refs.Count; i++)
        {
            // The API server defaults kind to Service and group to the core group.
            if (refs[i] is JsonObject r && r["name"]?.GetValue<string>() == service &&
                (r["kind"]?.GetValue<string>() ?? "Service") == "Service" && (r["group"]?.GetValue<string>() ?? "") == "")
            {
                return i;
            }
        }

        return -1;
    }

    private static JsonObject ToJson(HttpRouteMatch match)
    {
        var node = new JsonObject { ["path"] = new JsonObject { ["type"] = match.Path!.Type ?? "PathPrefix", ["value"] = match.Path.Value ?? "/" } };
        Append(node, "headers", match.Headers);
        Append(node, "queryParams", match.QueryParams);
        return node;
    }

    private static void Append(JsonObject match, string field, List<HttpValueMatch>? values)
    {
        if (values is not { Count: > 0 })
        {
            return;
        }

        var list = match[field] as JsonArray ?? [];
        match[field] = list;
        foreach (var value in values)
        {
            list.Add(new JsonObject { ["type"] = value.Type ?? "Exact", ["name"] = value.Name, ["value"] = value.Value });
        }
    }

    // Gateway API allows one RequestHeaderModifier per rule or backendRef: merge into an existing one.
    private static JsonArray WithModifier(JsonArray? filters, HttpHeaderFilter modifier)
    {
        var result = filters is null ? [] : (JsonArray)filters.DeepClone();
        var existing = result.OfType<JsonObject>().FirstOrDefault(static f => f["type"]?.GetValue<string>() == "RequestHeaderModifier");
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = "RequestHeaderModifier", ["requestHeaderModifier"] = new JsonObject() };
            result.Add(existing);
        }

        var target = existing["requestHeaderModifier"] as JsonObject ?? [];
        existing["requestHeaderModifier"] = target;
        AppendHeaders(target, "set", modifier.Set);
        AppendHeaders(target, "add", modifier.Add);
        if (modifier.Remove is { Count: > 0 } remove)
        {
            var list = target["remove"] as JsonArray ?? [];
            target["remove"] = list;
            foreach (var name in remove)
            {
                list.Add(name);
            }
        }

        return result;
    }

    private static void AppendHeaders(JsonObject target, string field, List<HttpHeader>? headers)
    {
        if (headers is not { Count: > 0 })
        {
            return;
        }

        var list = target[field] as JsonArray ?? [];
        target[field] = list;
        foreach (var header in headers)
        {
            list.Add(new JsonObject { ["name"] = header.Name, ["value"] = header.Value });
        }
    }
}
