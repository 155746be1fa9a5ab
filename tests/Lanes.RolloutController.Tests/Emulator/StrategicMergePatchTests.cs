using System.Net;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using static Lanes.RolloutController.Tests.Emulator.EmulatorHttp;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// Strategic merge patch as the API server applies it to built-in types:
/// https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/ (patch strategies and
/// merge keys per field) and https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
/// (directives), with list order per contributors/design-proposals/api-machinery/preserve-order-in-strategic-merge-patch.md.
/// </summary>
public sealed class StrategicMergePatchTests
{
    private const string Deployments = "apis/apps/v1/namespaces/default/deployments";
    private const string SmpType = "application/strategic-merge-patch+json";

    private const string App = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"app","finalizers":["example.com/a","example.com/b"]},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"app"}},
          "template":{"metadata":{"labels":{"app":"app","tier":"web"}},
           "spec":{"tolerations":[{"key":"a","operator":"Exists"}],
            "volumes":[{"name":"config","configMap":{"name":"app"}}],
            "containers":[{"name":"main","image":"example/app:v1",
              "ports":[{"containerPort":8080,"name":"http"}],
              "env":[{"name":"B","value":"b"},{"name":"C","value":"c"},{"name":"A","value":"a"}],
              "volumeMounts":[{"name":"config","mountPath":"/etc/app"}]}]}}}}
        """;

    // "Patch strategy: merge on key name" (containers, env), "merge on key containerPort" (ports), "merge on key mountPath"
    // (volumeMounts); tolerations have no strategy and are replaced. Items only the server has keep their place.
    [Fact]
    public async Task KeyedLists_MergeByTheirMergeKeys_AndOtherListsAreReplaced()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Deployments, App, HttpStatusCode.Created);

        var patched = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """
            {"spec":{"template":{"spec":{
              "tolerations":[{"key":"b","operator":"Exists"}],
              "containers":[{"name":"main","image":"example/app:v2",
                "ports":[{"containerPort":8080,"name":"web"},{"containerPort":9090,"name":"metrics"}],
                "env":[{"name":"A","value":"a2"},{"name":"B","value":"b2"},{"name":"D","value":"d"}],
                "volumeMounts":[{"name":"tmp","mountPath":"/tmp"}]},
               {"name":"sidecar","image":"example/sidecar:v1"}]}}}}
            """, HttpStatusCode.OK, SmpType);

        var spec = patched["spec"]!["template"]!["spec"]!;
        Assert.Equal("""[{"key":"b","operator":"Exists"}]""", spec["tolerations"]!.ToJsonString());
        Assert.Equal(["main", "sidecar"], Names(spec["containers"], "name"));
        var main = spec["containers"]![0]!;
        Assert.Equal("example/app:v2", main["image"]!.GetValue<string>());
        Assert.Equal("""[{"containerPort":8080,"name":"web"},{"containerPort":9090,"name":"metrics"}]""", main["ports"]!.ToJsonString());

        // The design proposal's example: live B, C, A; patch A', B', D -> C (server only, before A in the live list), A', B', D.
        Assert.Equal(["C=c", "A=a2", "B=b2", "D=d"], main["env"]!.AsArray().Select(static e => e!["name"] + "=" + e["value"]));
        // A new item has no place in the live list, so it comes before the items only the server has (mergeSortedSlice).
        Assert.Equal(["/tmp", "/etc/app"], Names(main["volumeMounts"], "mountPath"));
        Assert.Equal(["config"], Names(spec["volumes"], "name"));
    }

    // The directives: "$patch: delete" removes a keyed item, "$patch: replace" replaces a list or a map,
    // "$deleteFromPrimitiveList/<field>" removes values from a merged primitive list (finalizers), "$setElementOrder/<field>" orders.
    [Fact]
    public async Task Directives_DeleteReplaceAndOrder()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Deployments, App, HttpStatusCode.Created);

        var patched = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/a"],"finalizers":["example.com/c"]},
             "spec":{"template":{"metadata":{"labels":{"$patch":"replace","app":"app"}},
              "spec":{"volumes":[{"$patch":"replace"},{"name":"data","emptyDir":{}}],
               "containers":[{"name":"main",
                 "$setElementOrder/env":[{"name":"A"},{"name":"B"},{"name":"C"}],
                 "volumeMounts":[{"mountPath":"/etc/app","$patch":"delete"}]}]}}}}
            """, HttpStatusCode.OK, SmpType);

        // A finalizer the patch adds comes before the ones only the server has (they have no place relative to it).
        Assert.Equal(["example.com/c", "example.com/b"], patched["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>()));
        var template = patched["spec"]!["template"]!;
        Assert.Equal("""{"app":"app"}""", template["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""[{"name":"data","emptyDir":{}}]""", template["spec"]!["volumes"]!.ToJsonString());
        var main = template["spec"]!["containers"]![0]!;
        Assert.Equal(["A", "B", "C"], Names(main["env"], "name"));
        Assert.Equal("[]", main["volumeMounts"]!.ToJsonString());
        Assert.Equal("example/app:v1", main["image"]!.GetValue<string>());
    }

    // "$retainKeys" (what kubectl apply sends for Deployment.spec.strategy, a retainKeys field): fields missing from the
    // list are cleared, so switching to Recreate drops rollingUpdate; a patch setting a field outside the list is refused.
    [Fact]
    public async Task RetainKeys_ClearsTheFieldsNotListed()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Deployments, App, HttpStatusCode.Created);

        var patched = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""", HttpStatusCode.OK, SmpType);
        Assert.Equal("""{"type":"Recreate"}""", patched["spec"]!["strategy"]!.ToJsonString());

        // Without the directive the merged strategy keeps rollingUpdate, which the API server refuses for Recreate.
        await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""", HttpStatusCode.OK, SmpType);
        var refused = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """{"spec":{"strategy":{"type":"Recreate"}}}""", HttpStatusCode.UnprocessableEntity, SmpType);
        Assert.Contains("may not be specified when strategy `type` is 'Recreate'", refused["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var bad = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":{"maxSurge":1}}}}""", HttpStatusCode.BadRequest, SmpType);
        Assert.Contains("invalid patch format of retainKeys", bad["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    // Reordering only: "$setElementOrder/<field> may contain elements not present in the patch list".
    [Fact]
    public async Task SetElementOrder_AloneReordersTheLiveList()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Deployments, App, HttpStatusCode.Created);
        var patched = await SendAsync(http, HttpMethod.Patch, Deployments + "/app",
            """{"spec":{"template":{"spec":{"containers":[{"name":"main","$setElementOrder/env":[{"name":"A"},{"name":"C"},{"name":"B"}]}]}}}}""", HttpStatusCode.OK, SmpType);
        Assert.Equal(["A", "C", "B"], Names(patched["spec"]!["template"]!["spec"]!["containers"]![0]!["env"], "name"));
    }

    // The proposal's kubectl example (live env reordered and extended by the server; the patch deletes ENV3, adds ENV6 and
    // sets the order ENV1, ENV2, ENV6) and its finalizers example. The results are those of the API server's library
    // (k8s.io/apimachinery strategicpatch, checked with `kubectl patch --local --type strategic`), which places the items
    // only the server has by their live positions rather than all first as the proposal's text says.
    [Fact]
    public async Task SetElementOrder_WithDeletionsAndAdditions_OrdersAsTheApiServersLibrary()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        var app = JsonNode.Parse(App)!;
        app["metadata"]!["finalizers"] = new JsonArray("b", "e", "a", "c", "d");
        app["spec"]!["template"]!["spec"]!["containers"]![0]!["env"] = JsonNode.Parse("""[{"name":"ENV2"},{"name":"ENV5"},{"name":"ENV1"},{"name":"ENV3"},{"name":"ENV4"}]""");
        await SendAsync(http, HttpMethod.Post, Deployments, app.ToJsonString(), HttpStatusCode.Created);

        var patched = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", """
            {"metadata":{"$setElementOrder/finalizers":["a","b","f"],"$deleteFromPrimitiveList/finalizers":["c"],"finalizers":["f"]},
             "spec":{"template":{"spec":{"containers":[{"name":"main",
               "$setElementOrder/env":[{"name":"ENV1"},{"name":"ENV2"},{"name":"ENV6"}],
               "env":[{"name":"ENV3","$patch":"delete"},{"name":"ENV6","value":"new"}]}]}}}}
            """, HttpStatusCode.OK, SmpType);
        Assert.Equal(["e", "a", "b", "f", "d"], patched["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>()));
        Assert.Equal(["ENV5", "ENV1", "ENV2", "ENV4", "ENV6"], Names(patched["spec"]!["template"]!["spec"]!["containers"]![0]!["env"], "name"));
    }

    // Malformed directives are refused with 400, as the API server's strategicpatch errors are.
    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}""", "does not contain declared merge key: name")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"$patch":"merge"}]}}}}""", "merging lists cannot yet be specified in the patch")]
    [InlineData("""{"spec":{"template":{"metadata":{"labels":{"$patch":"nonsense"}}}}}""", "unknown patch type: nonsense")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"x"}],"$setElementOrder/containers":[{"name":"other"}]}}}}""", "doesn't match $setElementOrder list")]
    public async Task MalformedDirectives_Are400(string patch, string message)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Deployments, App, HttpStatusCode.Created);
        var status = await SendAsync(http, HttpMethod.Patch, Deployments + "/app", patch, HttpStatusCode.BadRequest, SmpType);
        Assert.Contains(message, status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static List<string> Names(JsonNode? list, string key) => list!.AsArray().Select(i => i![key]!.ToString()).ToList();
}
