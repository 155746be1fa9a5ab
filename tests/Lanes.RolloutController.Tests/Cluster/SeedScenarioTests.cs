using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>The seed walkthrough end to end: its mse-demo.yaml, mse-ingress.yaml and rollout.yaml, unchanged, against the emulator.</summary>
public sealed class SeedScenarioTests
{
    private const string PausedMessage = "Rollout is in step(1/1), and you need manually confirm to enter the next step";

    [Fact]
    public async Task Seed_NewImagesOfAAndC_PauseForApproval_ThenApproveCompletesRelease()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyDemoAsync();
        cluster.Apply(Manifests.LoadFile("mse-ingress.yaml"));
        cluster.Apply(Manifests.LoadFile("rollout.yaml"));
        var phases = new List<string>();
        cluster.Store.Changed += e =>
        {
            if (e.Key.Type == ResourceType.TrafficRoutings && e.Object["status"]?["phase"]?.GetValue<string>() is { } phase)
            {
                lock (phases)
                {
                    if (phases.Count == 0 || phases[^1] != phase)
                    {
                        phases.Add(phase);
                    }
                }
            }
        };
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);

        foreach (var name in new[] { "rollout-a", "rollout-b", "rollout-c" })
        {
            await cluster.WaitForRolloutAsync(name, r => TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy");
        }

        var stablePodsOfA = cluster.Pods("spring-cloud-a").Select(static p => p["metadata"]!["name"]!.GetValue<string>()).Order().ToList();
        await cluster.SetImageAsync("spring-cloud-a", "registry.cn-hangzhou.aliyuncs.com/mse-demo-hz/spring-cloud-a:mse-2.0.1");
        await cluster.SetImageAsync("spring-cloud-c", "registry.cn-hangzhou.aliyuncs.com/mse-demo-hz/spring-cloud-c:mse-2.0.1");

        foreach (var name in new[] { "rollout-a", "rollout-c" })
        {
            var paused = await cluster.WaitForStepPausedAsync(name, 1);

            // Paused means the lane rule is in place: the canary Ingress already carries it.
            Assert.Equal(MseLuaAnnotationsForTheSeed, CanaryIngress(cluster)!["metadata"]!["annotations"]!.AsObject()
                .ToDictionary(static p => p.Key, static p => p.Value!.GetValue<string>()));
            var ready = TestCluster.Condition(paused, ConditionTypes.TrafficReady)!;
            Assert.Equal("True", ready["status"]!.GetValue<string>());
            Assert.Equal("Traffic of step 1/1 is in place through TrafficRouting mse-traffic", ready["message"]!.GetValue<string>());
            Assert.Equal(PausedMessage, TestCluster.Message(paused));
            Assert.Equal(PausedMessage, TestCluster.Condition(paused, ConditionTypes.Progressing)!["message"]!.GetValue<string>());
            Assert.StartsWith("BatchRelease is at state Ready, rollout-id ", paused["status"]!["canaryStatus"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(1, JsonNumbers.ReadInt(paused["status"]!["currentStepIndex"]!));
            Assert.Equal("StepPaused", paused["status"]!["currentStepState"]!.GetValue<string>());
        }

        var b = cluster.Rollout("rollout-b");
        Assert.Equal(RolloutPhases.Healthy, TestCluster.Phase(b));
        Assert.Empty(cluster.Canaries("spring-cloud-b"));

        foreach (var app in new[] { "spring-cloud-a", "spring-cloud-c" })
        {
            var stable = cluster.Deployment(app)!;
            Assert.True(stable["spec"]!["paused"]!.GetValue<bool>());
            Assert.Contains("\"rolloutName\":\"rollout-", stable["metadata"]!["annotations"]![KruiseNames.InProgressingAnnotation]!.GetValue<string>());
            Assert.NotNull(stable["metadata"]!["labels"]![KruiseNames.StableRevisionLabel]);

            var canary = Assert.Single(cluster.Canaries(app));
            Assert.StartsWith(app + "-", canary["metadata"]!["name"]!.GetValue<string>());
            Assert.Equal("Rollout", canary["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
            Assert.Equal(1, JsonNumbers.ReadInt(canary["spec"]!["replicas"]!));

            // The seed's promise: canary pods carry both gray labels, stable pods neither.
            var pods = cluster.Pods(app);
            var gray = pods.Where(static p => p["metadata"]!["labels"]!["alicloud.service.tag"] is not null).ToList();
            var grayPod = Assert.Single(gray);
            Assert.Equal("gray", grayPod["metadata"]!["labels"]!["alicloud.service.tag"]!.GetValue<string>());
            Assert.Equal("gray", grayPod["metadata"]!["labels"]!["opensergo.io/canary-gray"]!.GetValue<string>());
            Assert.EndsWith(":mse-2.0.1", grayPod["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
            Assert.All(pods.Except(gray), static p => Assert.EndsWith(":mse-2.0.0", p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
            Assert.Equal(2, pods.Count - gray.Count);
        }

        // The stable pods of A were not touched while the canary ran.
        Assert.Equal(stablePodsOfA, cluster.Pods("spring-cloud-a").Where(static p => p["metadata"]!["labels"]!["alicloud.service.tag"] is null).Select(static p => p["metadata"]!["name"]!.GetValue<string>()).Order().ToList());

        var trafficRouting = cluster.Store.Get(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "mse-traffic"))!;
        var finalizers = trafficRouting["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>()).ToList();
        Assert.Contains("progressing.rollouts.kruise.io/rollout-a", finalizers);
        Assert.Contains("progressing.rollouts.kruise.io/rollout-c", finalizers);
        Assert.DoesNotContain("progressing.rollouts.kruise.io/rollout-b", finalizers);
        await Eventually.WaitAsync(
            () => cluster.Store.Get(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "mse-traffic"))?["status"]?["phase"]?.GetValue<string>() == "Progressing",
            "the TrafficRouting to be Progressing");

        // spring-cloud-a-canary: a copy of mse-ingress.yaml's Ingress for the same Service (OnlyTrafficRouting),
        // owned by the TrafficRouting, with exactly the annotations mse.lua writes for the seed's strategy.
        var canaryIngress = CanaryIngress(cluster)!;
        Assert.Equal("mse", canaryIngress["spec"]!["ingressClassName"]!.GetValue<string>());
        var backend = canaryIngress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!;
        Assert.Equal("spring-cloud-a", backend["backend"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal(20001, JsonNumbers.ReadInt(backend["backend"]!["service"]!["port"]!["number"]));
        Assert.Equal("/", backend["path"]!.GetValue<string>());
        Assert.Equal("Prefix", backend["pathType"]!.GetValue<string>());
        var owner = canaryIngress["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(("TrafficRouting", "mse-traffic", true), (owner["kind"]!.GetValue<string>(), owner["name"]!.GetValue<string>(), owner["controller"]!.GetValue<bool>()));
        Assert.Equal(trafficRouting["metadata"]!["uid"]!.GetValue<string>(), owner["uid"]!.GetValue<string>());

        // No canary Service and an untouched stable selector: the lane is told apart by MSE, not by Kubernetes.
        Assert.Null(cluster.Store.Get(new StoredObjectKey(ResourceType.Services, TestCluster.Ns, "spring-cloud-a-canary")));
        Assert.Equal("""{"app":"spring-cloud-a"}""", cluster.Store.Get(new StoredObjectKey(ResourceType.Services, TestCluster.Ns, "spring-cloud-a"))!["spec"]!["selector"]!.ToJsonString());

        await cluster.ApproveAsync("rollout-a");
        await cluster.ApproveAsync("rollout-c");

        foreach (var (name, app) in new[] { ("rollout-a", "spring-cloud-a"), ("rollout-c", "spring-cloud-c") })
        {
            var done = await cluster.WaitForCompletedAsync(name);
            Assert.Equal("True", TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>());
            Assert.Equal("Completed", TestCluster.Condition(done, ConditionTypes.Progressing)!["reason"]!.GetValue<string>());
            Assert.Equal("Rollout progressing has been completed", TestCluster.Message(done));
            Assert.Empty(cluster.Canaries(app));
            var stable = cluster.Deployment(app)!;
            Assert.EndsWith(":mse-2.0.1", TestCluster.Image(stable));
            Assert.Null(stable["metadata"]!["annotations"]?[KruiseNames.InProgressingAnnotation]);
            await Eventually.WaitAsync(
                () => cluster.Pods(app) is { Count: 2 } pods && pods.All(static p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>().EndsWith(":mse-2.0.1", StringComparison.Ordinal)
                    && p["metadata"]!["labels"]!["alicloud.service.tag"] is null),
                app + " to run only new stable pods",
                describe: () => string.Join("; ", cluster.Pods(app).Select(static p => p["metadata"]!["name"] + " " + p["spec"]!["containers"]![0]!["image"] + " " + p["metadata"]!["labels"]!.ToJsonString())) + " / " + cluster.Deployment(app)!.ToJsonString());
        }

        Assert.Equal(RolloutPhases.Healthy, TestCluster.Phase(cluster.Rollout("rollout-b")));
        await Eventually.WaitAsync(
            () => cluster.Store.Get(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "mse-traffic")) is { } tr
                && tr["status"]?["phase"]?.GetValue<string>() == "Healthy"
                && !tr["metadata"]!["finalizers"]!.AsArray().Any(static f => f!.GetValue<string>().StartsWith("progressing.", StringComparison.Ordinal)),
            "the TrafficRouting to be Healthy again with no Rollout attached");
        await Eventually.WaitAsync(() => CanaryIngress(cluster) is null, "spring-cloud-a-canary to be deleted");

        // Kruise's phases, in order: routes were restored (the canary Ingress deleted, 3 s grace) while Finalizing.
        lock (phases)
        {
            Assert.Equal(["Healthy", "Progressing", "Finalizing", "Healthy"], phases);
        }
        Assert.NotNull(cluster.Store.Get(new StoredObjectKey(ResourceType.Ingresses, TestCluster.Ns, "spring-cloud-a")));
    }

    /// <summary>What Kruise's mse.lua returns for the seed's TrafficRouting on mse-ingress.yaml's annotations.</summary>
    private static readonly Dictionary<string, string> MseLuaAnnotationsForTheSeed = new()
    {
        ["mse.ingress.kubernetes.io/service-subset"] = "gray",
        ["nginx.ingress.kubernetes.io/canary"] = "true",
        ["mse.ingress.kubernetes.io/request-header-control-update"] = "x-mse-tag gray",
        ["nginx.ingress.kubernetes.io/canary-by-header"] = "User-Agent",
        ["nginx.ingress.kubernetes.io/canary-by-header-value"] = "xiaoming",
    };

    private static System.Text.Json.Nodes.JsonObject? CanaryIngress(TestCluster cluster) =>
        cluster.Store.Get(new StoredObjectKey(ResourceType.Ingresses, TestCluster.Ns, "spring-cloud-a-canary"));
}
