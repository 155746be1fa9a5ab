using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.Samples.Tests;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>
/// The lanes provider end to end: samples/kubernetes applied to the emulator, the controller writing the
/// TrafficRouting's strategy into the gateway's ConfigMap, that ConfigMap materialised as the kubelet does, and the
/// real sample gateway and services on loopback reading it as their rules directory.
/// </summary>
public sealed class LanesEndToEndTests
{
    private const string ConfigMap = "lanes-entry-lanes-gateway";

    [Fact]
    public async Task XiaomingTakesTheGrayChainOnlyWhileTheReleaseIsPaused()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply(Load("lanes-demo.yaml"));
        await Eventually.WaitAsync(
            () => cluster.Store.List(ResourceType.Deployments, TestCluster.Ns).Items.All(static d =>
                JsonNumbers.ReadInt(d["status"]?["availableReplicas"]) == (JsonNumbers.ReadInt(d["spec"]?["replicas"]) ?? 1)),
            "the sample Deployments to roll out");
        cluster.Apply(Load("rollout.yaml"));

        // The kubelet's side: the gateway's ConfigMap volume follows the ConfigMap.
        using var volume = new ConfigMapVolume();
        var key = new StoredObjectKey(ResourceType.ConfigMaps, TestCluster.Ns, ConfigMap);
        void OnChanged(WatchEvent e)
        {
            if (e.Key == key)
            {
                volume.Sync(cluster.Store.Get(key));
            }
        }

        cluster.Store.Changed += OnChanged;
        volume.Sync(cluster.Store.Get(key));

        // The gateway as lanes-demo.yaml runs it: no built-in rule, the mounted ConfigMap as its rules directory.
        var chain = new SampleChain { GatewayArgs = ["--Sample:DemoRules=false", "--Lanes:Entry:RulesDirectory=" + volume.Directory] };
        await chain.InitializeAsync();
        try
        {
            await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
            foreach (var name in new[] { "rollout-a", "rollout-b", "rollout-c" })
            {
                await cluster.WaitForRolloutAsync(name, static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
            }

            Assert.Equal(chain.ExpectedBase, await AskAsync(chain, "xiaoming"));

            await cluster.SetImageAsync("sample-a", "lanes-samples-service:0.1.1");
            await cluster.SetImageAsync("sample-c", "lanes-samples-service:0.1.1");
            await cluster.WaitForStepPausedAsync("rollout-a", 1);
            await cluster.WaitForStepPausedAsync("rollout-c", 1);

            // Paused means the rule is in the ConfigMap; the gateway picks it up from the swapped volume within 2 s.
            Assert.True(File.Exists(Path.Combine(volume.Directory, "mse-traffic.json")));
            await WaitForAnswerAsync(chain, "xiaoming", chain.ExpectedGray);
            Assert.Equal(chain.ExpectedBase, await AskAsync(chain, "curl/8.5.0"));

            await cluster.ApproveAsync("rollout-a");
            await cluster.ApproveAsync("rollout-c");
            await cluster.WaitForCompletedAsync("rollout-a");
            await cluster.WaitForCompletedAsync("rollout-c");
            await Eventually.WaitAsync(() => TestCluster.StringMap(cluster.Store.Get(key)?["data"]).Count == 0, "the key to leave the ConfigMap");
            Assert.False(File.Exists(Path.Combine(volume.Directory, "mse-traffic.json")));

            // The gray instances still run here, so only the rule's removal can make this the base chain.
            await WaitForAnswerAsync(chain, "xiaoming", chain.ExpectedBase);
        }
        finally
        {
            cluster.Store.Changed -= OnChanged;
            await chain.DisposeAsync();
        }
    }

    private static async Task<string> AskAsync(SampleChain chain, string userAgent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        using var response = await chain.Gateway.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    // Bounded in count and time; waits for the answer, never sleeps and then asserts.
    private static async Task WaitForAnswerAsync(SampleChain chain, string userAgent, string expected)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        for (var attempt = 0; attempt < 400 && started.Elapsed < TimeSpan.FromSeconds(20); attempt++)
        {
            last = await AskAsync(chain, userAgent);
            if (last == expected)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"User-Agent {userAgent} did not get {expected} within 20 s; last answer: {last}");
    }

    private static IReadOnlyList<(ResourceType Type, System.Text.Json.Nodes.JsonObject Object)> Load(string name) =>
        Manifests.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name)));
}
