using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Traffic;

public sealed class TrafficRoutingLifecycleTests
{
    [Fact]
    public async Task ATrafficRoutingDeletedMidRelease_IsTerminating_KeepsItsRoutesUntilTheLastRolloutFinishes_ThenRestoresAndGoes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        var finalizers = cluster.TrafficRouting("lane-traffic")!["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>());
        Assert.Equal([KruiseNames.TrafficRoutingFinalizer], finalizers);

        await cluster.SetImageAsync("app", "example/app:v2");
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        cluster.Store.Delete(new StoredObjectKey(ResourceType.TrafficRoutings, TestCluster.Ns, "lane-traffic"));

        var terminating = await Eventually.WaitAsync(() => cluster.TrafficRouting("lane-traffic"), static t => t["status"]?["phase"]?.GetValue<string>() == "Terminating", "Terminating");
        Assert.Equal("TrafficRouting is Terminating", terminating["status"]!["message"]!.GetValue<string>());
        Assert.NotNull(cluster.Get(ResourceType.Ingresses, "app-canary"));
        Assert.Equal(CanaryStepStates.StepPaused, TestCluster.State(cluster.Rollout("rollout-app")));

        await cluster.ApproveAsync("rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");
        await Eventually.WaitAsync(() => cluster.TrafficRouting("lane-traffic") is null, "the TrafficRouting to be released and deleted");
        Assert.Null(cluster.Get(ResourceType.Ingresses, "app-canary"));
    }
}
