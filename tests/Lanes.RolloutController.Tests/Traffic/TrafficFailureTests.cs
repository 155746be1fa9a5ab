using System.Net;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>
/// When traffic cannot be routed, every Rollout using the route says so (message, TrafficReady condition, Event) and
/// never pauses as if the step were in place.
/// </summary>
public sealed class TrafficFailureTests
{
    private const string V1 = "example/app:v1";
    private const string V2 = "example/app:v2";
    private static readonly Dictionary<string, string?> FastRouteChecks = new() { ["Lanes:RolloutController:RouteCheckPeriod"] = "00:00:01" };

    [Fact]
    public async Task UnknownClassType_OnASharedTrafficRouting_IsNamedOnTheTrafficRoutingAndTheRollout_AndNothingStarts()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", classType: "istio"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        var tr = await Eventually.WaitAsync(() => cluster.TrafficRouting("lane-traffic"), static t => Ready(t)?["reason"]?.GetValue<string>() == "ProviderNotFound", "the TrafficRouting to report the classType");
        Assert.Equal("Initial", tr["status"]!["phase"]!.GetValue<string>());
        Assert.Contains("ingress classType \"istio\"", Ready(tr)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("spec.objectRef[0].ingress.classType", tr["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await cluster.SetImageAsync("app", V2);
        var rollout = await cluster.WaitForRolloutAsync("rollout-app", static r => Ready(r)?["reason"]?.GetValue<string>() == "ProviderNotFound", "the Rollout to report the classType");
        Assert.Equal("False", Ready(rollout)!["status"]!.GetValue<string>());
        Assert.Contains("spec.objectRef[0].ingress.classType", TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.NotEqual(CanaryStepStates.StepPaused, TestCluster.State(rollout));
        Assert.Empty(cluster.Canaries("app"));
        // The webhook holds the Deployment (as Kruise's does), so nothing of the new version runs anywhere.
        Assert.True(cluster.Deployment("app")!["spec"]!["paused"]!.GetValue<bool>());
        Assert.DoesNotContain(cluster.Pods("app"), static p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == V2);
        await AssertWarningAsync(cluster, "rollout-app", "ProviderNotFound", "istio");
        await AssertWarningAsync(cluster, "lane-traffic", "ProviderNotFound", "istio");
    }

    public static TheoryData<string, string, string> BrokenOwnRoutes => new()
    {
        // entry, extra objects, expected reason and text
        { "ingress:\n                      classType: istio\n                      name: web", "", "ProviderNotFound|ingress classType \"istio\" (Rollout default/rollout-web, spec.strategy.canary.trafficRoutings[0].ingress.classType)" },
        { "customNetworkRefs:\n                      - apiVersion: networking.istio.io/v1alpha3\n                        kind: VirtualService\n                        name: web", "", "ProviderNotFound|customNetworkRef networking.istio.io/v1alpha3 VirtualService (Rollout default/rollout-web, spec.strategy.canary.trafficRoutings[0].customNetworkRefs[0])" },
        { "gateway:\n                      httpRouteName: web", "", "EntryNotFound|HTTPRoute default/web not found (Rollout default/rollout-web, spec.strategy.canary.trafficRoutings[0].gateway.httpRouteName)" },
        { "ingress:\n                      classType: lanes\n                      name: entry", "", "EntryNotFound|ConfigMap default/lanes-entry-entry not found (Rollout default/rollout-web, spec.strategy.canary.trafficRoutings[0].ingress.name \"entry\")" },
        { "ingress:\n                      name: web", "", "EntryNotFound|Ingress default/web not found (Rollout default/rollout-web, spec.strategy.canary.trafficRoutings[0].ingress.name)" },
    };

    [Theory]
    [MemberData(nameof(BrokenOwnRoutes))]
    public async Task AMissingEntryOrProvider_OfTheRolloutsOwnRoutes_StopsTheReleaseBeforeAnythingChanges(string entry, string extra, string expected)
    {
        var (reason, text) = (expected.Split('|')[0], expected.Split('|')[1]);
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("web", 2, V1);
        cluster.Apply(TestCluster.ServiceAndIngress("web").Split("---")[0] + extra);
        cluster.Apply(OwnRoutesRollout(entry));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        var rollout = await cluster.WaitForRolloutAsync("rollout-web", r => Ready(r)?["reason"]?.GetValue<string>() == reason, "the Rollout to report " + reason);
        Assert.Contains(text, Ready(rollout)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(text, TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.Equal("Initializing", TestCluster.Condition(rollout, ConditionTypes.Progressing)!["reason"]!.GetValue<string>());
        Assert.Empty(cluster.Canaries("web"));
        Assert.Null(cluster.Get(ResourceType.Services, "web-canary"));
        Assert.Equal("""{"app":"web"}""", cluster.Get(ResourceType.Services, "web")!["spec"]!["selector"]!.ToJsonString());
        await AssertWarningAsync(cluster, "rollout-web", reason, text);
    }

    [Fact]
    public async Task IngressDeletedMidRelease_SendsThePausedStepBackWithAConditionNamingIt_AndRecoversWhenItReturns()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: FastRouteChecks);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        var ingress = cluster.Get(ResourceType.Ingresses, "app")!;

        cluster.Store.Delete(new StoredObjectKey(ResourceType.Ingresses, TestCluster.Ns, "app"));

        var rollout = await cluster.WaitForRolloutAsync("rollout-app", static r => Ready(r)?["reason"]?.GetValue<string>() == "EntryNotFound", "the Rollout to report the deleted Ingress");
        const string Named = "Ingress default/app not found (TrafficRouting default/lane-traffic, spec.objectRef[0].ingress.name)";
        Assert.Equal(CanaryStepStates.StepTrafficRouting, TestCluster.State(rollout));
        Assert.Contains(Named, TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.Contains(Named, Ready(cluster.TrafficRouting("lane-traffic"))!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertWarningAsync(cluster, "rollout-app", "EntryNotFound", Named);
        await AssertWarningAsync(cluster, "lane-traffic", "EntryNotFound", Named);

        ingress["metadata"]!.AsObject().Remove("resourceVersion");
        cluster.Emulator.Apply(ResourceType.Ingresses, ingress);
        var back = await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Equal("True", Ready(back)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task AForbiddenWrite_IsReportedWithTheApiServersWords_AndTheStepDoesNotPause()
    {
        var options = new EmulatorOptions
        {
            BeforeWrite = static (write, _) =>
            {
                if (write.Verb == "create" && write.Key.Type == ResourceType.Ingresses)
                {
                    throw ApiException.Forbidden("create", write.Key);
                }
            },
        };
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("web", 2, V1);
        cluster.Apply(TestCluster.ServiceAndIngress("web", "nginx"));
        cluster.Apply(OwnRoutesRollout("ingress:\n                      name: web"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("web", V2);
        var rollout = await cluster.WaitForRolloutAsync("rollout-web", static r => Ready(r)?["reason"]?.GetValue<string>() == "Forbidden", "the Rollout to report the refusal");
        Assert.Equal(CanaryStepStates.StepTrafficRouting, TestCluster.State(rollout));
        Assert.Contains("cannot create resource \"ingresses\" in API group \"networking.k8s.io\"", TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.Contains("Rollout default/rollout-web", TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.Null(cluster.Get(ResourceType.Ingresses, "web-canary"));
        await AssertWarningAsync(cluster, "rollout-web", "Forbidden", "forbidden");
    }

    [Fact]
    public async Task AFailingApiServer_IsReportedAsAProviderError_OnTheTrafficRoutingAndItsRollouts()
    {
        var failing = true;
        var options = new EmulatorOptions
        {
            BeforeWrite = (write, _) =>
            {
                if (Volatile.Read(ref failing) && write.Verb == "patch" && write.Key.Type == ResourceType.ConfigMaps)
                {
                    throw new ApiException(HttpStatusCode.InternalServerError, "InternalError", "etcdserver: request timed out");
                }
            },
        };
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lanes-entry-entry\n");
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", classType: "lanes", entry: "entry"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("app", V2);
        var rollout = await cluster.WaitForRolloutAsync("rollout-app", static r => Ready(r)?["reason"]?.GetValue<string>() == "ProviderError", "the Rollout to report the error");
        Assert.Contains("etcdserver: request timed out", TestCluster.Message(rollout), StringComparison.Ordinal);
        Assert.Equal(CanaryStepStates.StepTrafficRouting, TestCluster.State(rollout));
        Assert.Equal("Progressing", cluster.TrafficRouting("lane-traffic")!["status"]!["phase"]!.GetValue<string>());
        await AssertWarningAsync(cluster, "lane-traffic", "ProviderError", "etcdserver");

        Volatile.Write(ref failing, false);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
    }

    internal static string OwnRoutesRollout(string entry) => TestCluster.OwnRoutesRollout("web", entry, """
              - replicas: 1
                matches:
                - headers:
                  - type: Exact
                    name: User-Agent
                    value: xiaoming
                requestHeaderModifier:
                  set:
                  - name: x-mse-tag
                    value: gray
                pause: {}
        """);

    internal static JsonObject? Ready(JsonObject? obj) => TestCluster.Condition(obj, ConditionTypes.TrafficReady);

    internal static Task AssertWarningAsync(TestCluster cluster, string involved, string reason, string text) =>
        Eventually.WaitAsync(
            () => cluster.Events(involved).Any(e => e["type"]?.GetValue<string>() == "Warning" && e["reason"]?.GetValue<string>() == reason
                && e["message"]!.GetValue<string>().Contains(text, StringComparison.Ordinal)),
            $"a Warning Event {reason} on {involved}",
            describe: () => string.Join("; ", cluster.Events(involved).Select(static e => e["reason"] + ": " + e["message"])));
}
