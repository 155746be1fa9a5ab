using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>
/// Each provider, object by object, against the emulator: what exists after each step, that nothing of the release is
/// left after approval, and that nothing is left after a rollback.
/// </summary>
public sealed class ProviderLifecycleTests
{
    private const string V1 = "example/web:v1";
    private const string V2 = "example/web:v2";
    private const string V3 = "example/web:v3";
    private const string IngressAnnotation = "nginx.ingress.kubernetes.io/";

    [Fact]
    public async Task Nginx_CanaryServiceAndIngressFollowEachStep_AndNothingIsLeftAfterApprovalOrRollback()
    {
        await using var cluster = await StartWebAsync("""
            ingress:
                      classType: nginx
                      name: web
            """);
        cluster.Apply(TestCluster.ServiceAndIngress("web", "nginx"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        var step1 = await cluster.WaitForStepPausedAsync("rollout-web", 1);
        var stableRevision = step1["status"]!["canaryStatus"]!["stableRevision"]!.GetValue<string>();
        var canaryRevision = step1["status"]!["canaryStatus"]!["podTemplateHash"]!.GetValue<string>();
        Assert.NotEqual(stableRevision, canaryRevision);

        // Untagged traffic never reaches a canary: the stable Service selects stable pods only, the canary Service canary pods.
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["pod-template-hash"] = stableRevision }, TestCluster.StringMap(cluster.Get(ResourceType.Services, "web")!["spec"]!["selector"]));
        var canaryService = cluster.Get(ResourceType.Services, "web-canary")!;
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["pod-template-hash"] = canaryRevision }, TestCluster.StringMap(canaryService["spec"]!["selector"]));
        Assert.NotEqual(cluster.Get(ResourceType.Services, "web")!["spec"]!["clusterIP"]!.GetValue<string>(), canaryService["spec"]!["clusterIP"]!.GetValue<string>());
        AssertOwnedByRollout(canaryService, cluster);

        var ingress = cluster.Get(ResourceType.Ingresses, "web-canary")!;
        AssertOwnedByRollout(ingress, cluster);
        Assert.Equal("web-canary", ingress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal("nginx", ingress["spec"]!["ingressClassName"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string>
        {
            ["mse.ingress.kubernetes.io/service-subset"] = "",
            [IngressAnnotation + "canary"] = "true",
            [IngressAnnotation + "canary-by-header"] = "User-Agent",
            [IngressAnnotation + "canary-by-header-value"] = "xiaoming",
        }, TestCluster.StringMap(ingress["metadata"]!["annotations"]));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForStepPausedAsync("rollout-web", 2);
        Assert.Equal(new Dictionary<string, string>
        {
            ["mse.ingress.kubernetes.io/service-subset"] = "",
            [IngressAnnotation + "canary"] = "true",
            [IngressAnnotation + "canary-weight"] = "50",
        }, TestCluster.StringMap(cluster.Get(ResourceType.Ingresses, "web-canary")!["metadata"]!["annotations"]));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForCompletedAsync("rollout-web");
        AssertNothingLeft(cluster);
        Assert.Null(TestCluster.Condition(cluster.Rollout("rollout-web"), ConditionTypes.TrafficReady));

        // A second release, rolled back at its first step.
        await cluster.WaitForIdleAsync("web");
        await cluster.SetImageAsync("web", V3);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        Assert.NotNull(cluster.Get(ResourceType.Ingresses, "web-canary"));
        await cluster.SetImageAsync("web", V2);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.Condition(r, ConditionTypes.Succeeded)?["status"]?.GetValue<string>() == "False", "rolled back");
        AssertNothingLeft(cluster);
        Assert.Equal(V2, TestCluster.Image(cluster.Deployment("web")!));
    }

    [Fact]
    public async Task OwnRoutes_AreRestoredWhenTheRolloutIsDisabled_OrDeleted_MidRelease()
    {
        await using var cluster = await StartWebAsync("""
            ingress:
                      classType: nginx
                      name: web
            """);
        cluster.Apply(TestCluster.ServiceAndIngress("web", "nginx"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        Assert.NotNull(cluster.Get(ResourceType.Ingresses, "web-canary"));
        cluster.Patch(ResourceType.Rollouts, "rollout-web", static r =>
        {
            r["spec"]!["disabled"] = true;
            return true;
        });
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.Phase(r) == RolloutPhases.Disabled, "Disabled");
        AssertNothingLeft(cluster);

        cluster.Patch(ResourceType.Rollouts, "rollout-web", static r =>
        {
            r["spec"]!["disabled"] = false;
            return true;
        });
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy again");
        await cluster.WaitForIdleAsync("web");
        await cluster.SetImageAsync("web", V3);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        Assert.Equal("pod-template-hash", TestCluster.StringMap(cluster.Get(ResourceType.Services, "web")!["spec"]!["selector"]).Keys.Last());

        cluster.Store.Delete(new StoredObjectKey(ResourceType.Rollouts, TestCluster.Ns, "rollout-web"));
        await Eventually.WaitAsync(() => cluster.Rollout("rollout-web") is null, "the Rollout to be released and deleted");

        // The selector is no owned object: only finalising puts it back.
        AssertNothingLeft(cluster);
    }

    [Fact]
    public async Task GatewayApi_HttpRouteRulesFollowEachStep_AndAreRestoredExactlyAfterApprovalOrRollback()
    {
        await using var cluster = await StartWebAsync("""
            gateway:
                      httpRouteName: web
            """, stepOneModifier: true);
        cluster.Apply(TestCluster.ServiceAndIngress("web", "nginx").Split("---")[0]);
        cluster.Apply("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: web
            spec:
              parentRefs:
              - name: public
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /
                backendRefs:
                - name: web
                  port: 80
            """);
        var original = cluster.Get(ResourceType.HttpRoutes, "web")!["spec"]!.DeepClone();
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        var rules = (JsonArray)cluster.Get(ResourceType.HttpRoutes, "web")!["spec"]!["rules"]!;
        Assert.Equal(2, rules.Count);
        Assert.True(JsonNode.DeepEquals(original["rules"]![0], rules[0]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"matches":[{"path":{"type":"PathPrefix","value":"/"},"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],
             "backendRefs":[{"name":"web-canary","port":80}],
             "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}]}
            """), rules[1]), rules[1]!.ToJsonString());
        Assert.NotNull(cluster.Get(ResourceType.Services, "web-canary"));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForStepPausedAsync("rollout-web", 2);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"name":"web","port":80,"weight":50},{"name":"web-canary","port":80,"weight":50}]"""),
            cluster.Get(ResourceType.HttpRoutes, "web")!["spec"]!["rules"]![0]!["backendRefs"]));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForCompletedAsync("rollout-web");
        AssertRouteRestored(cluster, original);
        AssertNothingLeft(cluster);

        await cluster.WaitForIdleAsync("web");
        await cluster.SetImageAsync("web", V3);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        await cluster.SetImageAsync("web", V2);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.Condition(r, ConditionTypes.Succeeded)?["status"]?.GetValue<string>() == "False", "rolled back");
        AssertRouteRestored(cluster, original);
        AssertNothingLeft(cluster);
    }

    [Fact]
    public async Task Lanes_SharedTrafficRouting_WritesItsKeyWhileReleasing_AndRemovesItAfterApprovalOrRollback()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: lanes-entry-entry
            data:
              other.json: '{"weight":5,"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"blue"}]}}'
            """);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", classType: "lanes", entry: "entry"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await Eventually.WaitAsync(() => cluster.TrafficRouting("lane-traffic")?["status"]?["phase"]?.GetValue<string>() == "Healthy", "the TrafficRouting to be Healthy");

        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        var data = TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")!["data"]);
        Assert.Equal(
            """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""",
            data["lane-traffic.json"]);
        Assert.StartsWith("{\"weight\":5", data["other.json"], StringComparison.Ordinal);

        // OnlyTrafficRouting: no canary Service, the stable selector untouched, no Ingress of ours.
        Assert.Null(cluster.Get(ResourceType.Services, "app-canary"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "app" }, TestCluster.StringMap(cluster.Get(ResourceType.Services, "app")!["spec"]!["selector"]));
        Assert.Null(cluster.Get(ResourceType.Ingresses, "app-canary"));

        await cluster.ApproveAsync("rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");
        await Eventually.WaitAsync(() => KeysOf(cluster) is ["other.json"], "the key to be removed", describe: () => string.Join(",", KeysOf(cluster)));
        await Eventually.WaitAsync(() => cluster.TrafficRouting("lane-traffic")?["status"]?["phase"]?.GetValue<string>() == "Healthy", "the TrafficRouting to be Healthy");

        await cluster.WaitForIdleAsync("app");
        await cluster.SetImageAsync("app", V3);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Contains("lane-traffic.json", KeysOf(cluster));
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.Condition(r, ConditionTypes.Succeeded)?["status"]?.GetValue<string>() == "False", "rolled back");
        await Eventually.WaitAsync(() => KeysOf(cluster) is ["other.json"], "the key to be removed after the rollback", describe: () => string.Join(",", KeysOf(cluster)));
    }

    [Fact]
    public async Task Lanes_RolloutsOwnRoutes_WriteOneKeyPerStep_WithNoCanaryService()
    {
        await using var cluster = await StartWebAsync("""
            ingress:
                      classType: lanes
                      name: entry
            """, stepOneModifier: true, stepTwoModifier: true);
        cluster.Apply(TestCluster.ServiceAndIngress("web").Split("---")[0]);
        cluster.Apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: lanes-entry-entry
            """);
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}"""),
            JsonNode.Parse(TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")!["data"])["rollout.rollout-web.json"])));
        Assert.Null(cluster.Get(ResourceType.Services, "web-canary"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, TestCluster.StringMap(cluster.Get(ResourceType.Services, "web")!["spec"]!["selector"]));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForStepPausedAsync("rollout-web", 2);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"traffic":"50%","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}"""),
            JsonNode.Parse(TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")!["data"])["rollout.rollout-web.json"])));

        await cluster.ApproveAsync("rollout-web");
        await cluster.WaitForCompletedAsync("rollout-web");
        Assert.Empty(TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")!["data"]));
    }

    [Fact]
    public async Task Mse_SharedTrafficRouting_CanaryIngressIsGoneAfterARollback()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        var annotations = TestCluster.StringMap(cluster.Get(ResourceType.Ingresses, "app-canary")!["metadata"]!["annotations"]);
        Assert.Equal("x-mse-tag gray", annotations["mse.ingress.kubernetes.io/request-header-control-update"]);
        Assert.Equal("gray", annotations["mse.ingress.kubernetes.io/service-subset"]);

        await cluster.SetImageAsync("app", V1);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.Condition(r, ConditionTypes.Succeeded)?["status"]?.GetValue<string>() == "False", "rolled back");
        await Eventually.WaitAsync(() => cluster.Get(ResourceType.Ingresses, "app-canary") is null, "the canary Ingress to be deleted");
        Assert.Empty(cluster.Canaries("app"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "app" }, TestCluster.StringMap(cluster.Get(ResourceType.Services, "app")!["spec"]!["selector"]));
    }

    private static async Task<TestCluster> StartWebAsync(string entry, bool stepOneModifier = false, bool stepTwoModifier = false)
    {
        const string Modifier = """

                    requestHeaderModifier:
                      set:
                      - name: x-mse-tag
                        value: gray
            """;
        var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("web", 2, V1);
        var modifier = stepOneModifier ? Modifier : "";
        var twoModifier = stepTwoModifier ? Modifier : "";
        cluster.Apply(TestCluster.OwnRoutesRollout("web", entry, $$"""
                  - replicas: 1
                    matches:
                    - headers:
                      - type: Exact
                        name: User-Agent
                        value: xiaoming{{modifier}}
                    pause: {}
                  - replicas: 50%
                    traffic: 50%{{twoModifier}}
                    pause: {}
                  - replicas: 100%
                    traffic: 100%{{twoModifier}}
            """));
        return cluster;
    }

    private static IReadOnlyList<string> KeysOf(TestCluster cluster) =>
        TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")?["data"]).Keys.Order(StringComparer.Ordinal).ToList();

    private static void AssertOwnedByRollout(JsonObject obj, TestCluster cluster)
    {
        var owner = obj["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal("Rollout", owner["kind"]!.GetValue<string>());
        Assert.Equal(cluster.Rollout("rollout-web")!["metadata"]!["uid"]!.GetValue<string>(), owner["uid"]!.GetValue<string>());
    }

    private static void AssertNothingLeft(TestCluster cluster)
    {
        Assert.Null(cluster.Get(ResourceType.Ingresses, "web-canary"));
        Assert.Null(cluster.Get(ResourceType.Services, "web-canary"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, TestCluster.StringMap(cluster.Get(ResourceType.Services, "web")!["spec"]!["selector"]));
        Assert.Empty(cluster.Canaries("web"));
    }

    private static void AssertRouteRestored(TestCluster cluster, JsonNode original)
    {
        var route = cluster.Get(ResourceType.HttpRoutes, "web")!;
        Assert.True(JsonNode.DeepEquals(original, route["spec"]), route["spec"]!.ToJsonString());
        Assert.Null(route["metadata"]!["annotations"]?["lanes.dev/original-rules"]);
    }
}
