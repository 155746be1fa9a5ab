using System.Net;
using Microsoft.Extensions.Time.Testing;
using Lanes.Cli.Tests.TestSupport;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

public sealed class ApproveCommandTests
{
    [Fact]
    public async Task Approve_PausedStep_PrintsKruisesLine_AndTheReleaseCompletes_ThenApprovingAgainIsAnError()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync();
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);

        var approved = await run.RunAsync("rollout", "approve", "rollout-app");

        Assert.Equal(0, approved.ExitCode);
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app approved" + Environment.NewLine, approved.Output);
        Assert.Empty(approved.Error);
        await run.Cluster.WaitForCompletedAsync("rollout-app");

        var again = await run.RunAsync("rollout", "approve", "rollout/rollout-app");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("error: rollout.rollouts.kruise.io/rollout-app is not paused at a step, it is at step 1/1 Completed (phase Healthy); only a StepPaused step can be approved", again.ErrorLine);
        Assert.Empty(again.Output);
    }

    /// <summary>
    /// The controller writes the status between the CLI's read and its write (a timed pause ends on the controller's
    /// clock): the approval's write conflicts, and the CLI, seeing the release moved past the step it meant to approve,
    /// writes nothing, so the next step's manual pause is never approved by it.
    /// </summary>
    [Fact]
    public async Task Approve_RacingTheControllersStepChange_ConflictsAndNeverApprovesTheNextStep()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        await using var run = await CliCluster.StartAsync(clock);
        await run.ApplyAppAsync("      - pause: {duration: 30}\n        replicas: 1\n      - pause: {}\n        replicas: 2\n");
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);
        var gate = new StatusWriteGate("rollout-app");

        var approving = run.Cli.RunAsync([() => gate], CancellationToken.None, "rollout", "approve", "rollout-app");
        Assert.True(await gate.Holding.WaitAsync(TimeSpan.FromSeconds(30)), "the CLI never wrote the status");
        for (var second = 0; second < 300 && TestCluster.Step(run.Cluster.Rollout("rollout-app")) == 1 && TestCluster.State(run.Cluster.Rollout("rollout-app")) == "StepPaused"; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        gate.Release();
        var result = await approving;

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.ErrorLine.StartsWith("error: rollout.rollouts.kruise.io/rollout-app moved on: it was at step 1 StepPaused, it is now at step", StringComparison.Ordinal), result.ToString());
        Assert.EndsWith("nothing was approved", result.ErrorLine, StringComparison.Ordinal);
        Assert.Equal([HttpStatusCode.Conflict], gate.StatusWrites);
        Assert.Empty(result.Output);

        // Step 2 pauses for a person: the CLI's approval of step 1 did not carry over to it.
        var paused = await run.Cluster.WaitForStepPausedAsync("rollout-app", 2);
        Assert.Equal("Rollout is in step(2/2), and you need manually confirm to enter the next step", TestCluster.Message(paused));
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        await run.Cluster.WaitForCompletedAsync("rollout-app");
    }

    /// <summary>
    /// The controller writes the status while the step stays paused (here: it records that the Rollout was paused by
    /// <c>rollout pause</c>): the approval's first write conflicts, the CLI re-reads, finds the same step still paused
    /// and writes again, so the approval is not lost.
    /// </summary>
    [Fact]
    public async Task Approve_RacingAControllerWriteAtTheSamePausedStep_RetriesAndIsNotLost()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync("      - pause: {}\n        replicas: 1\n      - pause: {}\n        replicas: 2\n");
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);
        var before = run.Cluster.Rollout("rollout-app")!["metadata"]!["resourceVersion"]!.GetValue<string>();

        // Hold the approval's first write until the controller has written the status for the pause.
        var gate = new StatusWriteGate("rollout-app");
        var approving = run.Cli.RunAsync([() => gate], CancellationToken.None, "rollout", "approve", "rollout-app");
        Assert.True(await gate.Holding.WaitAsync(TimeSpan.FromSeconds(30)), "the CLI never wrote the status");
        var pause = await run.RunAsync("rollout", "pause", "rollout-app");
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app paused" + Environment.NewLine, pause.Output);
        var written = await run.Cluster.WaitForRolloutAsync("rollout-app", r => r["metadata"]!["resourceVersion"]!.GetValue<string>() != before && TestCluster.Message(r) == "Rollout has been paused, you can resume it by kube-cli", "the controller to write the pause");
        Assert.Equal(1, TestCluster.Step(written));
        Assert.Equal("StepPaused", TestCluster.State(written));
        gate.Release();
        var result = await approving;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app approved" + Environment.NewLine, result.Output);
        Assert.Equal([HttpStatusCode.Conflict, HttpStatusCode.OK], gate.StatusWrites);
        Assert.Equal("StepReady", TestCluster.State(run.Cluster.Rollout("rollout-app")));

        // Resumed, the release goes on from the approved step to the next pause.
        Assert.Equal("rollout.rollouts.kruise.io/rollout-app resumed" + Environment.NewLine, (await run.RunAsync("rollout", "resume", "rollout-app")).Output);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 2);
    }
}
