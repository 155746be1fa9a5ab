using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>Lifecycle paths beyond the happy one: rollback, batches, pause, disable, delete, continuous release.</summary>
public sealed class RolloutLifecycleTests
{
    private const string V1 = "example/app:v1";
    private const string V2 = "example/app:v2";
    private const string V3 = "example/app:v3";

    [Fact]
    public async Task Rollback_TemplateRevertedWhilePaused_CancelsAndKeepsStablePods()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.Phase(r) == RolloutPhases.Healthy && TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        var stablePods = cluster.PodNames("app", gray: false);

        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Single(cluster.Canaries("app"));

        await cluster.SetImageAsync("app", V1);
        var done = await cluster.WaitForCompletedAsync("rollout-app");

        Assert.Equal("False", TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>());
        Assert.Equal("Rollout progressing has been canceled", TestCluster.Message(done));
        Assert.Empty(cluster.Canaries("app"));
        await Eventually.WaitAsync(() => cluster.PodNames("app", gray: true).Count == 0, "canary pods to go");
        Assert.Equal(stablePods, cluster.PodNames("app", gray: false));
        var deployment = cluster.Deployment("app")!;
        Assert.Equal(V1, TestCluster.Image(deployment));
        Assert.Null(deployment["metadata"]!["annotations"]?[KruiseNames.InProgressingAnnotation]);

        // Kruise keeps the stable-revision label after a release.
        Assert.Equal(done["status"]!["canaryStatus"]!["stableRevision"]!.GetValue<string>(), deployment["metadata"]!["labels"]?[KruiseNames.StableRevisionLabel]?.GetValue<string>());
    }

    [Fact]
    public async Task MultiStep_MatchThenHalfThenAll_ScalesCanaryPerBatchAndCompletes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("multi", 4, V1);
        cluster.Apply(TestCluster.ServiceAndIngress("multi", "nginx"));
        cluster.Apply("""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: rollout-multi
              annotations:
                rollouts.kruise.io/trafficrouting: lane-traffic
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: multi
              strategy:
                canary:
                  enableExtraWorkloadForCanary: true
                  trafficRoutingRef: lane-traffic
                  steps:
                  - replicas: 1
                    matches:
                    - headers:
                      - type: Exact
                        name: User-Agent
                        value: xiaoming
                    pause: {}
                  - replicas: 50%
                    traffic: 50%
                    pause: {}
                  - replicas: 100%
                    traffic: 100%
                  patchPodTemplateMetadata:
                    labels:
                      alicloud.service.tag: gray
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: TrafficRouting
            metadata:
              name: lane-traffic
            spec:
              objectRef:
              - service: multi
                gracePeriodSeconds: 0
                ingress:
                  name: multi
              strategy:
                matches:
                - headers:
                  - type: Exact
                    name: User-Agent
                    value: xiaoming
            """);
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-multi", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        await cluster.SetImageAsync("multi", V2);
        var step1 = await cluster.WaitForStepPausedAsync("rollout-multi", 1);
        Assert.Equal("Rollout is in step(1/3), and you need manually confirm to enter the next step", TestCluster.Message(step1));
        Assert.Equal(1, JsonNumbers.ReadInt(Assert.Single(cluster.Canaries("multi"))["spec"]!["replicas"]));
        Assert.Single(cluster.PodNames("multi", gray: true));

        await cluster.ApproveAsync("rollout-multi");
        var step2 = await cluster.WaitForStepPausedAsync("rollout-multi", 2);
        Assert.Equal("Rollout is in step(2/3), and you need manually confirm to enter the next step", TestCluster.Message(step2));
        Assert.Equal(2, JsonNumbers.ReadInt(Assert.Single(cluster.Canaries("multi"))["spec"]!["replicas"]));
        Assert.Equal(2, JsonNumbers.ReadInt(step2["status"]!["canaryStatus"]!["canaryReadyReplicas"]));
        Assert.Equal(4, cluster.PodNames("multi", gray: false).Count);

        // Kruise's pod batch labels: each canary pod names the release and the batch that brought it in.
        var rolloutId = step2["status"]!["canaryStatus"]!["observedRolloutID"]!.GetValue<string>();
        await Eventually.WaitAsync(
            () => cluster.Pods("multi").Where(static p => p["metadata"]!["labels"]!["alicloud.service.tag"] is not null)
                .Select(p => (p["metadata"]!["labels"]![KruiseNames.RolloutIdLabel]?.GetValue<string>(), p["metadata"]!["labels"]![KruiseNames.RolloutBatchIdLabel]?.GetValue<string>()))
                .Order().SequenceEqual([(rolloutId, "1"), (rolloutId, "2")]),
            "canary pods labelled with rollout-id and batch-id 1 and 2");
        Assert.Equal(RolloutPlanHash.Compute(RolloutConversion.Read(cluster.Rollout("rollout-multi")!).Spec.Strategy.Canary),
            cluster.Rollout("rollout-multi")!["metadata"]!["annotations"]![KruiseNames.RolloutHashAnnotation]!.GetValue<string>());
        // Events are recorded after the pass's status write, so the second may trail the state the test waited for.
        List<string> Progressing() => cluster.Events("rollout-multi").Where(static e => e["reason"]!.GetValue<string>() == "Progressing").Select(static e => e["message"]!.GetValue<string>()).ToList();
        await Eventually.WaitAsync(
            () => Progressing() is var progressing && progressing.Contains("upgrade step(1) canary pods with new versions done") && progressing.Contains("upgrade step(2) canary pods with new versions done"),
            "the Progressing Events of steps 1 and 2", describe: () => string.Join(" | ", Progressing()));

        await cluster.ApproveAsync("rollout-multi");
        var done = await cluster.WaitForCompletedAsync("rollout-multi");
        Assert.Equal(3, TestCluster.Step(done));
        Assert.Equal("True", TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>());
        Assert.Empty(cluster.Canaries("multi"));
        Assert.Equal(V2, TestCluster.Image(cluster.Deployment("multi")!));
    }

    [Fact]
    public async Task StrategyPaused_HoldsReleaseUntilResumed()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        cluster.Patch(ResourceType.Rollouts, "rollout-app", static r => Set(r, "spec", "strategy", "paused", true));

        // Let the controller see the pause first; otherwise one pass may read the Rollout before and the image after.
        await cluster.WaitForRolloutAsync("rollout-app", static r => JsonNumbers.ReadInt(r["status"]?["observedGeneration"]) == JsonNumbers.ReadInt(r["metadata"]?["generation"]), "the pause to be observed");
        await cluster.SetImageAsync("app", V2);
        var paused = await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.Condition(r, ConditionTypes.Progressing)?["reason"]?.GetValue<string>() == ConditionTypes.ReasonPaused, "Paused");
        Assert.Equal(RolloutPhases.Progressing, TestCluster.Phase(paused));
        Assert.Empty(cluster.Canaries("app"));
        Assert.True(cluster.Deployment("app")!["spec"]!["paused"]!.GetValue<bool>());

        cluster.Patch(ResourceType.Rollouts, "rollout-app", static r => Set(r, "spec", "strategy", "paused", false));
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Single(cluster.Canaries("app"));
    }

    [Fact]
    public async Task Disabled_MidRelease_CleansUpAndHandsTheDeploymentBack()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);

        cluster.Patch(ResourceType.Rollouts, "rollout-app", static r => Set(r, "spec", null, "disabled", true));
        var disabled = await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.Phase(r) == RolloutPhases.Disabled, "Disabled");
        Assert.Equal("Rollout is disabled", TestCluster.Message(disabled));
        Assert.Empty(cluster.Canaries("app"));
        var deployment = cluster.Deployment("app")!;
        Assert.False(deployment["spec"]!["paused"]!.GetValue<bool>());
        Assert.Null(deployment["metadata"]!["annotations"]?[KruiseNames.InProgressingAnnotation]);
        var tr = cluster.Store.Get(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "lane-traffic"))!;
        Assert.DoesNotContain(tr["metadata"]!["finalizers"]!.AsArray(), static f => f!.GetValue<string>() == "progressing.rollouts.kruise.io/rollout-app");
    }

    [Fact]
    public async Task Delete_MidRelease_FinalizesThenRemovesTheRollout()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Contains(KruiseNames.RolloutFinalizer, cluster.Rollout("rollout-app")!["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>()));

        cluster.Store.Delete(new StoredObjectKey(ResourceType.Rollouts, TestCluster.Ns, "rollout-app"));
        await Eventually.WaitAsync(() => cluster.Rollout("rollout-app") is null, "the Rollout to be gone", describe: () => cluster.Describe("rollout-app"));
        Assert.Empty(cluster.Canaries("app"));

        // As in Kruise, an unpaused stable Deployment then rolls out the new version natively.
        await Eventually.WaitAsync(
            () => cluster.Deployment("app") is { } d && d["spec"]!["paused"]?.GetValue<bool>() != true && cluster.PodNames("app", gray: false).Count == 2
                && cluster.Pods("app").All(static p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == V2),
            "the Deployment to run v2 natively");
        var tr = cluster.Store.Get(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "lane-traffic"))!;
        Assert.DoesNotContain(tr["metadata"]!["finalizers"]!.AsArray(), static f => f!.GetValue<string>() == "progressing.rollouts.kruise.io/rollout-app");
    }

    [Fact]
    public async Task ContinuousRelease_NewImageMidRelease_RestartsWithOneCanaryOfTheNewestVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        var first = await cluster.WaitForStepPausedAsync("rollout-app", 1);
        var firstRevision = first["status"]!["canaryStatus"]!["canaryRevision"]!.GetValue<string>();

        await cluster.SetImageAsync("app", V3);
        var second = await cluster.WaitForRolloutAsync(
            "rollout-app",
            r => TestCluster.State(r) == CanaryStepStates.StepPaused && r["status"]!["canaryStatus"]!["canaryRevision"]!.GetValue<string>() != firstRevision,
            "paused on the v3 canary");
        Assert.Equal(first["status"]!["canaryStatus"]!["stableRevision"]!.GetValue<string>(), second["status"]!["canaryStatus"]!["stableRevision"]!.GetValue<string>());
        await Eventually.WaitAsync(() => cluster.Canaries("app").Count == 1, "one canary left");
        Assert.Equal(V3, TestCluster.Image(Assert.Single(cluster.Canaries("app"))));
        Assert.All(cluster.Pods("app").Where(static p => p["metadata"]!["labels"]!["alicloud.service.tag"] is null), static p => Assert.Equal(V1, p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));

        await cluster.ApproveAsync("rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");
        Assert.Equal(V3, TestCluster.Image(cluster.Deployment("app")!));
    }

    private static bool Set(JsonObject obj, string section, string? sub, string field, bool value)
    {
        var node = (JsonObject)obj[section]!;
        if (sub is not null)
        {
            node = (JsonObject)node[sub]!;
        }

        node[field] = value;
        return true;
    }
}
