using Lanes.Cli.Tests.TestSupport;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

public sealed class PauseCommandTests
{
    [Fact]
    public async Task PauseAndResume_SetSpecStrategyPaused_TheReleaseHoldsWhilePaused_AndRepeatsAreErrors()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync();
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);

        var paused = await run.RunAsync("rollout", "pause", "rollout-app");
        Assert.Equal(0, paused.ExitCode);
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app paused" + Environment.NewLine, paused.Output);
        Assert.True(run.Cluster.Rollout("rollout-app")!["spec"]!["strategy"]!["paused"]!.GetValue<bool>());
        await run.Cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.Message(r) == "Rollout has been paused, you can resume it by kube-cli", "the controller to report the pause");

        var again = await run.RunAsync("rollout", "pause", "rollout-app");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("error: rollout.rollouts.kruise.io/rollout-app is already paused", again.ErrorLine);

        // Approved while paused, the step is ready but the release waits for resume.
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        var status = await run.RunAsync("rollout", "status", "rollout-app");
        Assert.Contains("Phase:     Progressing (paused)", status.Output, StringComparison.Ordinal);

        var resumed = await run.RunAsync("rollout", "resume", "rollout-app");
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app resumed" + Environment.NewLine, resumed.Output);
        Assert.False(run.Cluster.Rollout("rollout-app")!["spec"]!["strategy"]!["paused"]!.GetValue<bool>());
        await run.Cluster.WaitForCompletedAsync("rollout-app");

        var notPaused = await run.RunAsync("rollout", "resume", "rollout-app");
        Assert.Equal(1, notPaused.ExitCode);
        Assert.Equal("error: rollout.rollouts.kruise.io/rollout-app is not paused", notPaused.ErrorLine);
    }
}
