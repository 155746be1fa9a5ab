using Lanes.Cli.Tests.TestSupport;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

public sealed class RollbackCommandTests
{
    /// <summary>
    /// Kruise users' top complaint: <c>kubectl rollout undo</c> refuses a paused Deployment, and a Deployment is paused for
    /// the whole release. <c>rollout rollback</c> restores the stable template instead; the controller cancels the release,
    /// removes the canary and resumes the Deployment without restarting stable pods.
    /// </summary>
    [Fact]
    public async Task Rollback_WhileTheDeploymentIsPaused_RestoresTheStableTemplate_AndTheReleaseEndsCanceled()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync();
        var stablePods = run.Cluster.PodNames("app", gray: false);
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);
        Assert.True(run.Cluster.Deployment("app")!["spec"]!["paused"]!.GetValue<bool>());
        Assert.NotEmpty(run.Cluster.Canaries("app"));

        var result = await run.RunAsync("rollout", "rollback", "rollout-app");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("rollout.rollouts.kruise.io/rollout-app rolled back (Deployment app restored to stable revision ", result.Output, StringComparison.Ordinal);
        Assert.Equal(CliCluster.V1, TestCluster.Image(run.Cluster.Deployment("app")!));
        await run.Cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.Phase(r) == "Healthy" && TestCluster.Condition(r, "Succeeded")?["status"]?.GetValue<string>() == "False", "the release to end canceled");
        await run.Cluster.WaitForIdleAsync("app");
        Assert.Empty(run.Cluster.Canaries("app"));
        Assert.Equal(stablePods, run.Cluster.PodNames("app", gray: false));

        // status reports the cancel with kubectl rollout status' exit code; history shows the outcome and the Event.
        var status = await run.RunAsync("rollout", "status", "rollout-app");
        Assert.Equal(1, status.ExitCode);
        Assert.StartsWith("error: rollout \"rollout-app\" was canceled", status.ErrorLine, StringComparison.Ordinal);
        var history = await run.RunAsync("rollout", "history", "rollout-app");
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("canceled (rolled back)", history.Output, StringComparison.Ordinal);
        Assert.Contains("workload has been rollback, then rollout is canceled", history.Output, StringComparison.Ordinal);

        // Nothing left to roll back.
        var idle = await run.RunAsync("rollout", "rollback", "rollout-app");
        Assert.Equal(1, idle.ExitCode);
        Assert.StartsWith("error: rollout.rollouts.kruise.io/rollout-app has no release in progress to roll back", idle.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbackToStep_GoesBackToAnEarlierStepOfTheRunningRelease_ItsTrafficAndPause_AndRefusesStepsThatAreNotEarlier()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync("      - pause: {}\n        replicas: 1\n      - pause: {}\n        replicas: 2\n");

        var idle = await run.RunAsync("rollout", "rollback", "rollout-app", "--to-step", "1");
        Assert.Equal(1, idle.ExitCode);
        Assert.StartsWith("error: rollout.rollouts.kruise.io/rollout-app has no release in progress", idle.ErrorLine, StringComparison.Ordinal);

        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);
        var first = await run.RunAsync("rollout", "rollback", "rollout-app", "--to-step", "1");
        Assert.Equal("error: --to-step 1 is not an earlier step of rollout.rollouts.kruise.io/rollout-app, which is at step 1/2; earlier steps: none: it is at its first step", first.ErrorLine);

        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 2);
        Assert.Equal(2, run.Cluster.Canaries("app").Sum(static d => d["spec"]!["replicas"]!.GetValue<int>()));
        var later = await run.RunAsync("rollout", "rollback", "rollout-app", "--to-step", "3");
        Assert.Equal("error: --to-step 3 is not an earlier step of rollout.rollouts.kruise.io/rollout-app, which is at step 2/2; earlier steps: 1..1", later.ErrorLine);

        var back = await run.RunAsync("rollout", "rollback", "rollout-app", "--to-step", "1");

        Assert.Equal("rollout.rollouts.kruise.io/rollout-app rolled back to step 1" + Environment.NewLine, back.Output);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);
        var status = await run.RunAsync("rollout", "status", "rollout-app");
        Assert.Contains("Step:      1/2 StepPaused", status.Output, StringComparison.Ordinal);
        Assert.Contains("Traffic:   step 1: requests with User-Agent=xiaoming; set x-mse-tag: gray", status.Output, StringComparison.Ordinal);

        // Approved again, the release goes on from step 1.
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 2);
    }
}
