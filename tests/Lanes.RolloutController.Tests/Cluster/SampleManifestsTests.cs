using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>The .NET sample chain's manifests (samples/kubernetes) through a release, as the seed's are.</summary>
public sealed class SampleManifestsTests
{
    [Fact]
    public async Task SampleChain_NewImagesOfAAndC_GiveGrayCanariesWithTheLaneLabels_ThenApproveCompletes()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply(Load("lanes-demo.yaml"));
        await Eventually.WaitAsync(
            () => cluster.Store.List(ResourceType.Deployments, TestCluster.Ns).Items.All(static d =>
                JsonNumbers.ReadInt(d["status"]?["availableReplicas"]) == (JsonNumbers.ReadInt(d["spec"]?["replicas"]) ?? 1)),
            "the sample Deployments to roll out");
        cluster.Apply(Load("rollout.yaml"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        foreach (var name in new[] { "rollout-a", "rollout-b", "rollout-c" })
        {
            await cluster.WaitForRolloutAsync(name, r => TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy");
        }

        await cluster.SetImageAsync("sample-a", "lanes-samples-service:0.1.1");
        await cluster.SetImageAsync("sample-c", "lanes-samples-service:0.1.1");

        foreach (var (rollout, app) in new[] { ("rollout-a", "sample-a"), ("rollout-c", "sample-c") })
        {
            var paused = await cluster.WaitForStepPausedAsync(rollout, 1);
            Assert.Equal("Rollout is in step(1/1), and you need manually confirm to enter the next step", TestCluster.Message(paused));
            var grayPod = Assert.Single(cluster.Pods(app), static p => p["metadata"]!["labels"]!["alicloud.service.tag"] is not null);

            // The labels Lanes reads through the downward API volume the manifest mounts.
            Assert.Equal("gray", grayPod["metadata"]!["labels"]!["alicloud.service.tag"]!.GetValue<string>());
            Assert.Equal("gray", grayPod["metadata"]!["labels"]!["opensergo.io/canary-gray"]!.GetValue<string>());
            Assert.Equal("metadata.labels", grayPod["spec"]!["volumes"]![0]!["downwardAPI"]!["items"]![0]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        }

        Assert.Equal(RolloutPhases.Healthy, TestCluster.Phase(cluster.Rollout("rollout-b")));
        Assert.Empty(cluster.Canaries("sample-b"));

        // The lane rule reaches the gateway through the ConfigMap it mounts as its rules directory.
        var rules = TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-lanes-gateway")!["data"]);
        Assert.Equal(
            """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""",
            Assert.Single(rules, static r => r.Key == "mse-traffic.json").Value);
        var gateway = cluster.Deployment("lanes-gateway")!["spec"]!["template"]!["spec"]!;
        var directory = gateway["containers"]![0]!["env"]!.AsArray().Single(static e => e!["name"]!.GetValue<string>() == "Lanes__Entry__RulesDirectory")!["value"]!.GetValue<string>();
        var mount = gateway["containers"]![0]!["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == directory)!;
        var volume = gateway["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!;
        Assert.Equal("lanes-entry-lanes-gateway", volume["configMap"]!["name"]!.GetValue<string>());

        await cluster.ApproveAsync("rollout-a");
        await cluster.ApproveAsync("rollout-c");
        foreach (var (rollout, app) in new[] { ("rollout-a", "sample-a"), ("rollout-c", "sample-c") })
        {
            await cluster.WaitForCompletedAsync(rollout);
            Assert.Empty(cluster.Canaries(app));
            Assert.EndsWith(":0.1.1", TestCluster.Image(cluster.Deployment(app)!));
        }

        await Eventually.WaitAsync(
            () => TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-lanes-gateway")!["data"]).Count == 0,
            "the lane rule to leave the gateway's ConfigMap");
    }

    private static IReadOnlyList<(ResourceType Type, System.Text.Json.Nodes.JsonObject Object)> Load(string name) =>
        Manifests.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name)));
}
