using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;
using Xunit.Abstractions;

namespace Lanes.Kubernetes.Tests.EndToEnd;

/// <summary>
/// The seed's release on the emulator with samples/kubernetes (no registry) and real processes: the rollout
/// controller turns an image change into gray canary pods, gray traffic reaches them through the gateway found
/// from EndpointSlices and labels alone, and approval leaves the new version as base with the canaries gone.
/// </summary>
[Collection(SampleProcessesCollection.Name)]
public sealed class ReleaseTests(ITestOutputHelper output)
{
    private const string NewImage = "lanes-samples-service:0.1.1";

    [Fact]
    public async Task ImageChange_CanaryPod_GrayTrafficThroughIt_Approve_CanaryGone()
    {
        await using var cluster = await SampleCluster.StartAsync();
        cluster.ApplySample("rollout.yaml");
        using var controller = await cluster.StartControllerAsync();
        foreach (var rollout in new[] { "rollout-a", "rollout-b", "rollout-c" })
        {
            await WaitForRolloutAsync(cluster, rollout, static r => Phase(r) == "Healthy", "Healthy");
        }

        var stableA = cluster.Pods("sample-a").Select(SampleCluster.Name).ToHashSet();
        var stableC = cluster.Pods("sample-c").Select(SampleCluster.Name).ToHashSet();
        // The controller scales the canaries up: gray requests reach them as the EndpointSlice watch delivers the update
        // (well under a second on a quiet machine, printed below). The bound only tells a watch from the 30 s resync: a
        // loaded 2-core CI machine once took 2.4 s, so a one-second assertion timed the machine, not Lanes.
        var routable = await SampleChainTests.MeasureRoutableAsync(cluster, "sample-a", "Agray[", () =>
        {
            SetImage(cluster, "sample-a", NewImage);
            SetImage(cluster, "sample-c", NewImage);
        }, TimeSpan.FromSeconds(180));
        output.WriteLine($"the controller's gray A canary took gray traffic {routable.TotalMilliseconds:F0} ms after its EndpointSlice update");
        Assert.True(routable < SampleChainTests.WatchBound, $"the canary became routable {routable.TotalMilliseconds:F0} ms after its EndpointSlice update");
        await WaitForRolloutAsync(cluster, "rollout-a", static r => State(r) == "StepPaused", "StepPaused");
        await WaitForRolloutAsync(cluster, "rollout-c", static r => State(r) == "StepPaused", "StepPaused");
        await cluster.WaitForReadyPodsAsync("sample-a", 1, SampleCluster.IsGray);
        await cluster.WaitForReadyPodsAsync("sample-c", 1, SampleCluster.IsGray);
        var canaryA = cluster.Pods("sample-a").Single(SampleCluster.IsGray);
        var canaryC = cluster.Pods("sample-c").Single(SampleCluster.IsGray);
        Assert.Equal(NewImage, Image(canaryA));

        // Gray traffic through the canaries, base traffic untouched, B (no canary) passed through in the lane.
        var expectedGray = $"{SampleCluster.Hop("Agray", canaryA)}[config=base] -> B[";
        await Eventually.WaitAsync(() => cluster.AskAsync(gray: true).GetAwaiter().GetResult().Body is var body
            && body.StartsWith(expectedGray, StringComparison.Ordinal) && body.EndsWith($"-> {SampleCluster.Hop("Cgray", canaryC)}", StringComparison.Ordinal),
            "gray requests to run Agray -> B -> Cgray through the canary pods", TimeSpan.FromSeconds(60), cluster.Describe);
        for (var i = 0; i < 10; i++)
        {
            var answer = (await cluster.AskAsync(gray: false)).Body;
            Assert.DoesNotContain("gray", answer, StringComparison.Ordinal);
            SampleChainTests.AssertChain(cluster, answer, "A", "B", "C");
        }

        // Approve both under load: stable rolls to the new image, canaries are deleted, no request fails.
        ChainLoad load;
        long approved;
        await using (load = new ChainLoad(cluster))
        {
            approved = Stopwatch.GetTimestamp();
            await ApproveAsync(cluster, "rollout-a");
            await ApproveAsync(cluster, "rollout-c");
            foreach (var rollout in new[] { "rollout-a", "rollout-c" })
            {
                await WaitForRolloutAsync(cluster, rollout, static r => Phase(r) == "Healthy" && State(r) == "Completed", "release completed", TimeSpan.FromSeconds(180));
            }

            await Eventually.WaitAsync(
                () => Canaries(cluster).Count == 0 && !cluster.Pods("sample-a").Concat(cluster.Pods("sample-c")).Any(SampleCluster.IsGray)
                    && cluster.Runtime.Process(SampleCluster.Name(canaryA)) is null && cluster.Runtime.Process(SampleCluster.Name(canaryC)) is null,
                "the canary Deployments, pods and processes to be gone",
                TimeSpan.FromSeconds(120),
                cluster.Describe);
            await cluster.WaitForReadyPodsAsync("sample-a", 2, static p => Image(p) == NewImage);
            await cluster.WaitForReadyPodsAsync("sample-c", 2, static p => Image(p) == NewImage);
            var promoted = cluster.Pods("sample-a").Concat(cluster.Pods("sample-c")).Where(static p => Image(p) == NewImage).Select(static p => SampleCluster.Ip(p)).ToHashSet();
            await Eventually.WaitAsync(
                () => load.Answers.Any(x => x.Gray && x.SentAt > approved && Hops(x.Body).Count(promoted.Contains) == 2),
                "gray requests to run on the promoted base pods of A and C",
                TimeSpan.FromSeconds(60),
                cluster.Describe);
            await load.StopAsync();
        }

        output.WriteLine($"{load.Count} requests during the promotion, {load.Failures.Count} failed");
        Assert.True(load.Failures.Count == 0, string.Join(Environment.NewLine, load.Failures.Take(20)));
        // The rolling update deletes the old stable pods once their replacements are ready; each then terminates gracefully,
        // so one can still be listed (with a deletionTimestamp) the moment the new pods turn ready.
        await Eventually.WaitAsync(
            () => !cluster.Pods("sample-a").Concat(cluster.Pods("sample-c")).Any(p => stableA.Contains(SampleCluster.Name(p)) || stableC.Contains(SampleCluster.Name(p))),
            "the old stable pods of A and C to be gone",
            TimeSpan.FromSeconds(60),
            cluster.Describe);
        var after = (await cluster.AskAsync(gray: true)).Body;
        SampleChainTests.AssertChain(cluster, after, "A", "B", "C");   // the lane has no instance left: base, tag kept
    }

    private static IReadOnlyList<JsonObject> Canaries(SampleCluster cluster) =>
        cluster.Store.List(ResourceType.Deployments, SampleCluster.Ns, LabelSelector.Parse("rollouts.kruise.io/canary-deployment")).Items;

    private static IEnumerable<string> Hops(string body) =>
        body.Split(" -> ").Select(static hop => hop[(hop.IndexOf('[', StringComparison.Ordinal) + 1)..hop.IndexOf(':', StringComparison.Ordinal)]);

    private static string Image(JsonObject pod) => pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>();

    private static string? Phase(JsonObject rollout) => rollout["status"]?["phase"]?.GetValue<string>();

    private static string? State(JsonObject rollout) => rollout["status"]?["canaryStatus"]?["currentStepState"]?.GetValue<string>();

    // As `kubectl apply` of an edited lanes-demo.yaml would.
    private static void SetImage(SampleCluster cluster, string deployment, string image) =>
        cluster.Store.Mutate(new StoredObjectKey(ResourceType.Deployments, SampleCluster.Ns, deployment), d =>
        {
            d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;
            return true;
        });

    // As kubectl-kruise approves: a merge patch of the status subresource.
    private static Task ApproveAsync(SampleCluster cluster, string rollout) =>
        cluster.AdminClient.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"canaryStatus":{"currentStepState":"StepReady"}}}""", V1Patch.PatchType.MergePatch),
            "rollouts.kruise.io", "v1alpha1", SampleCluster.Ns, "rollouts", rollout);

    private static Task<JsonObject> WaitForRolloutAsync(SampleCluster cluster, string name, Func<JsonObject, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(
            () => cluster.Store.Get(new StoredObjectKey(ResourceType.Rollouts, SampleCluster.Ns, name)),
            condition,
            $"{name}: {what}",
            timeout ?? TimeSpan.FromSeconds(90),
            () => cluster.Store.Get(new StoredObjectKey(ResourceType.Rollouts, SampleCluster.Ns, name))?["status"]?.ToJsonString() ?? "(no rollout)");
}
