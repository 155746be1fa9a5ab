using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>Restarts, conflicts, dropped watches, fake-clock pauses and timeouts.</summary>
public sealed class ResilienceTests
{
    private const string V1 = "example/app:v1";
    private const string V2 = "example/app:v2";

    [Fact]
    public async Task Restart_MidStep_NewLeaderContinuesFromStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        var election = new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:LeaderElection:Enabled"] = "true",
            ["Lanes:RolloutController:LeaderElection:LeaseNamespace"] = TestCluster.Ns,
            ["Lanes:RolloutController:LeaderElection:LeaseDuration"] = "00:00:04",
            ["Lanes:RolloutController:LeaderElection:RenewDeadline"] = "00:00:03",
            ["Lanes:RolloutController:LeaderElection:RetryPeriod"] = "00:00:00.200",
        };

        // Every canary Deployment ever created, so the second leader can be shown to carry on with the first one's.
        var createdCanaries = new System.Collections.Concurrent.ConcurrentQueue<string>();
        cluster.Store.Changed += change =>
        {
            if (change.Type == "ADDED" && change.Key.Type == ResourceType.Deployments
                && change.Object["metadata"]?["labels"]?[KruiseNames.CanaryDeploymentLabel] is not null)
            {
                createdCanaries.Enqueue(change.Key.Name);
            }
        };

        string canaryName;
        await using (var first = await ControllerHost.StartAsync(cluster.Emulator, settings: election))
        {
            await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
            await cluster.SetImageAsync("app", V2);
            await cluster.WaitForStepPausedAsync("rollout-app", 1);
            canaryName = Assert.Single(cluster.Canaries("app"))["metadata"]!["name"]!.GetValue<string>();
            var lease = cluster.Store.Get(new StoredObjectKey(ResourceType.Leases, TestCluster.Ns, "lanes-rollout-controller"));
            Assert.False(string.IsNullOrEmpty(lease?["spec"]?["holderIdentity"]?.GetValue<string>()));
        }

        // Approved while no controller runs: the next leader must pick it up from the stored status alone.
        await cluster.ApproveAsync("rollout-app");
        await using var second = await ControllerHost.StartAsync(cluster.Emulator, settings: election);
        var done = await cluster.WaitForCompletedAsync("rollout-app");
        Assert.Equal("True", TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>());
        Assert.Equal(V2, TestCluster.Image(cluster.Deployment("app")!));
        Assert.Empty(cluster.Canaries("app"));
        Assert.Equal([canaryName], createdCanaries);
    }

    [Fact]
    public async Task Restart_WhileWaitingForCanary_DoesNotCreateASecondCanary()
    {
        var slow = false;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions { PodReadyAfter = _ => slow ? null : TimeSpan.Zero });
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using (var first = await ControllerHost.StartAsync(cluster.Emulator))
        {
            await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
            slow = true;
            await cluster.SetImageAsync("app", V2);
            await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.StepUpgrade, "StepUpgrade");
            await Eventually.WaitAsync(() => cluster.Canaries("app").Count == 1, "the canary");
        }

        slow = false;
        foreach (var pod in cluster.Pods("app"))
        {
            // Pods created while "slow" never turn ready by themselves; recreate them as a kubelet restart would.
            if (pod["status"]?["phase"]?.GetValue<string>() == "Pending")
            {
                cluster.Store.Delete(new StoredObjectKey(ResourceType.Pods, TestCluster.Ns, pod["metadata"]!["name"]!.GetValue<string>()));
            }
        }

        await using var second = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Single(cluster.Canaries("app"));
    }

    [Fact]
    public async Task Approval_RacingTheControllersWrite_IsNotLost()
    {
        var raced = 0;
        var options = new EmulatorOptions();
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        options.BeforeWrite = (write, store) =>
        {
            // The moment the controller writes StepPaused from its older read, a user approves: its write must 409.
            if (write.Key.Type == ResourceType.Rollouts && write.Subresource == "status" && write.Verb == "update"
                && write.Body?["status"]?["canaryStatus"]?["currentStepState"]?.GetValue<string>() == CanaryStepStates.StepPaused
                && Interlocked.Exchange(ref raced, 1) == 0)
            {
                store.Mutate(write.Key, r =>
                {
                    r["status"]!["canaryStatus"]!["currentStepState"] = CanaryStepStates.StepReady;
                    return true;
                }, statusOnly: true);
            }
        };
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        var conflictsBefore = cluster.Store.ConflictCount;

        await cluster.SetImageAsync("app", V2);
        var done = await cluster.WaitForCompletedAsync("rollout-app");

        Assert.Equal(1, raced);
        Assert.True(cluster.Store.ConflictCount > conflictsBefore);
        Assert.Equal("True", TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>());
        Assert.Equal(V2, TestCluster.Image(cluster.Deployment("app")!));
    }

    [Fact]
    public async Task Conflicts_OnEveryOtherStatusWrite_AreSurvived()
    {
        var writes = 0;
        var options = new EmulatorOptions();
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        options.BeforeWrite = (write, store) =>
        {
            if (write.Key.Type == ResourceType.Rollouts && write.Subresource == "status" && write.Verb == "update" && Interlocked.Increment(ref writes) % 2 == 1)
            {
                // Someone else touches the Rollout (a label) between the controller's read and write.
                store.Mutate(write.Key, r =>
                {
                    var labels = r["metadata"]!["labels"] as JsonObject ?? [];
                    r["metadata"]!["labels"] = labels;
                    labels["touched"] = writes.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return true;
                });
            }
        };
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        await cluster.ApproveAsync("rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");

        Assert.True(cluster.Store.ConflictCount >= 3, "conflicts: " + cluster.Store.ConflictCount);
        Assert.Empty(cluster.Canaries("app"));
    }

    [Fact]
    public async Task WatchDrops_AndExpiredHistory_AreSurvived()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");

        // A plain drop: the watches resume from their last resourceVersion.
        await Eventually.WaitAsync(() => cluster.Store.OpenWatchCount >= 4, "four open watches");
        Assert.True(cluster.Store.DropWatches() >= 4);
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);

        // A drop after the history was compacted: resuming gets 410 Gone, so the watches relist.
        await Eventually.WaitAsync(() => cluster.Store.OpenWatchCount >= 4, "the watches to reconnect");
        cluster.Store.CompactHistory();
        Assert.True(cluster.Store.DropWatches() >= 4);
        await cluster.ApproveAsync("rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");
        Assert.Empty(cluster.Canaries("app"));
    }

    [Fact]
    public async Task TimedPause_WaitsItsDurationOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 3, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", steps: "      - pause: {duration: 30}\n        replicas: 1\n      - pause: {}\n        replicas: 2\n"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, clock);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        var paused = await cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.Equal("Rollout is in step(1/2), and wait duration(30 seconds) to enter the next step", TestCluster.Message(paused));
        var pausedAt = DateTimeOffset.Parse(paused["status"]!["canaryStatus"]!["lastUpdateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        JsonObject? next = null;
        // Advance until the step moves (bounded); the timestamps below prove it did not move early.
        for (var second = 0; second < 300 && next is null; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
            if (cluster.Rollout("rollout-app") is { } r && TestCluster.Step(r) == 2)
            {
                next = r;
            }
        }

        next = await cluster.WaitForStepPausedAsync("rollout-app", 2);
        var step2At = DateTimeOffset.Parse(next["status"]!["canaryStatus"]!["lastUpdateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(step2At - pausedAt >= TimeSpan.FromSeconds(30), $"left the pause after {step2At - pausedAt}");
        Assert.Equal("Rollout is in step(2/2), and you need manually confirm to enter the next step", TestCluster.Message(next));
    }

    [Fact]
    public async Task CanaryNeverReady_TimeoutIsReportedAndNothingElseMoves()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            PodReadyAfter = static pod => pod["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() == "example/app:broken" ? null : TimeSpan.Zero,
        });
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", extraAnnotations: "    lanes.dev/canary-ready-timeout-seconds: \"60\""));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, clock);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        var stablePods = cluster.PodNames("app", gray: false);

        await cluster.SetImageAsync("app", "example/app:broken");
        var upgrading = await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.StepUpgrade && cluster.PodNames("app", gray: true).Count == 1, "StepUpgrade with a canary pod");
        Assert.Null(TestCluster.Condition(upgrading, ConditionTypes.CanaryReady));

        JsonObject? reported = null;
        for (var step = 0; step < 200 && reported is null; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(30);
            if (TestCluster.Condition(cluster.Rollout("rollout-app"), ConditionTypes.CanaryReady) is not null)
            {
                reported = cluster.Rollout("rollout-app");
            }
        }

        reported = await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.Condition(r, ConditionTypes.CanaryReady) is not null, "the timeout to be reported");
        var condition = TestCluster.Condition(reported, ConditionTypes.CanaryReady)!;
        Assert.Equal("False", condition["status"]!.GetValue<string>());
        Assert.Equal("ProgressDeadlineExceeded", condition["reason"]!.GetValue<string>());
        Assert.Contains("has 0/1 ready replicas and did not become ready within 60s", TestCluster.Message(reported));
        Assert.True(clock.GetUtcNow() - new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero) >= TimeSpan.FromSeconds(60));
        Assert.Equal(CanaryStepStates.StepUpgrade, TestCluster.State(reported));
        Assert.Equal(RolloutPhases.Progressing, TestCluster.Phase(reported));
        Assert.Equal(stablePods, cluster.PodNames("app", gray: false));
    }

    [Fact]
    public async Task IdleReconcile_WritesNothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        await cluster.SetImageAsync("app", V2);
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        await Eventually.WaitAsync(() => cluster.Canaries("app") is [var c] && JsonNumbers.ReadInt(c["status"]?["availableReplicas"]) == 1, "canary ready");

        // Wait for quiet: nothing (controller or simulated kubelet) has written for a while.
        var quiet = cluster.Store.CurrentResourceVersion;
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(300);
            var now = cluster.Store.CurrentResourceVersion;
            if (now == quiet)
            {
                break;
            }

            quiet = now;
        }

        var before = cluster.Store.CurrentResourceVersion;
        var reconciler = controller.Get<RolloutReconciler>();
        for (var i = 0; i < 3; i++)
        {
            await reconciler.ReconcileAsync(TestCluster.Ns, "rollout-app", CancellationToken.None);
        }

        Assert.Equal(before, cluster.Store.CurrentResourceVersion);
    }
}
