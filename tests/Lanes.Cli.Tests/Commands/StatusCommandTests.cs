using Lanes.Cli.Tests.TestSupport;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

public sealed class StatusCommandTests
{
    private const string TwoSteps = "      - pause: {}\n        replicas: 1\n      - pause: {}\n        replicas: 2\n";

    [Fact]
    public async Task StatusWatch_FollowsAWholeRelease_InPlainLines_AndExits0WhenItCompletes()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync(TwoSteps);
        await run.Cluster.SetImageAsync("app", CliCluster.V2);

        // As an operator does: watch in one terminal, approve in another once the watch shows the pause.
        var watching = run.Cli.Start(null, CancellationToken.None, "rollout", "status", "rollout-app", "--watch", "--timeout", "60s", "--interval", "50ms");
        await Eventually.WaitAsync(() => watching.Output.Contains("step 1/2 StepPaused", StringComparison.Ordinal), "the watch to show step 1 paused");
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        await Eventually.WaitAsync(() => watching.Output.Contains("step 2/2 StepPaused", StringComparison.Ordinal), "the watch to show step 2 paused");
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        var result = await watching.Completion.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        var lines = result.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var step1 = Array.FindIndex(lines, static l => l.StartsWith("rollout-app: Progressing, step 1/2 StepPaused, canary 1/1 ready, traffic step 1: requests with User-Agent=xiaoming; set x-mse-tag: gray: Rollout is in step(1/2), and you need manually confirm to enter the next step", StringComparison.Ordinal));
        var step2 = Array.FindIndex(lines, static l => l.StartsWith("rollout-app: Progressing, step 2/2 StepPaused, canary 2/2 ready, traffic step 2: ", StringComparison.Ordinal));
        Assert.True(step1 >= 0 && step2 > step1, result.Output);
        Assert.Equal("rollout \"rollout-app\" successfully rolled out", lines[^1]);
        Assert.StartsWith("rollout-app: Healthy, step 2/2 Completed, canary ", lines[^2], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, static l => l.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_OfAReleaseItsAnalysisAborted_ShowsTheRuns_AndExits1NamingTheFailure()
    {
        // The status the controller writes when a step's analysis fails (no controller here, so it stays as written).
        await using var run = await CliCluster.StartAsync(controller: false);
        await using var conversion = await ControllerHost.StartWebhooksAsync(ControllerHost.CreateClient(run.Cluster.Emulator));
        await run.Cluster.ApplyAppAsync("app", 2, CliCluster.V1);
        run.Cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", "      - pause: {}\n        replicas: 1\n"));
        const string Why = "metric error-share of template lane-vs-base failed: result[0] < 0.05 is false for 0.2";
        run.Cluster.Patch(Kubernetes.Emulator.ResourceType.Rollouts, "rollout-app", static r =>
        {
            r["status"] = System.Text.Json.Nodes.JsonNode.Parse($$$"""
                {"phase":"Progressing","message":"{{{Why}}}",
                 "canaryStatus":{"currentStepIndex":1,"currentStepState":"StepMetricsAnalysis","canaryRevision":"r2","stableRevision":"r1"},
                 "conditions":[{"type":"Progressing","status":"False","reason":"Aborted","message":"{{{Why}}}"}],
                 "lanes":{"analysis":[
                   {"step":1,"canaryRevision":"r0","templates":"lane-vs-base","phase":"Successful","message":"an earlier release"},
                   {"step":1,"canaryRevision":"r2","templates":"lane-vs-base","phase":"Failed","message":"{{{Why}}}"}]}}
                """);
            return true;
        }, statusOnly: true);

        var result = await run.RunAsync("rollout", "status", "rollout-app");

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.ErrorLine.Contains("the analysis failed: " + Why, StringComparison.Ordinal), result.ToString());
        Assert.Contains("Analysis:  step 1 Failed: " + Why, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("an earlier release", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusWatch_EndsWith1WhenTheReleaseIsCanceled_AndTimesOutWith1()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync();
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);

        var timedOut = await run.RunAsync("rollout", "status", "rollout-app", "--watch", "--timeout", "300ms", "--interval", "50ms");
        Assert.Equal(1, timedOut.ExitCode);
        Assert.Equal("error: timed out after 0.3s waiting for rollout \"rollout-app\" to finish: it is at step 1/1 StepPaused (phase Progressing)", timedOut.ErrorLine);

        var single = await run.RunAsync("rollout", "status", "rollout-app");
        Assert.Equal(0, single.ExitCode);
        Assert.Contains("Step:      1/1 StepPaused", single.Output, StringComparison.Ordinal);
        Assert.Contains("Canary:    1/1 ready (revision ", single.Output, StringComparison.Ordinal);
        Assert.Contains("Analysis:  none reported", single.Output, StringComparison.Ordinal);
        Assert.EndsWith("Waiting for rollout \"rollout-app\": step 1/1 StepPaused" + Environment.NewLine, single.Output, StringComparison.Ordinal);

        var watching = run.RunAsync("rollout", "status", "rollout-app", "--watch", "--timeout", "60s", "--interval", "50ms");
        Assert.Equal(0, (await run.RunAsync("rollout", "rollback", "rollout-app")).ExitCode);
        var canceled = await watching.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, canceled.ExitCode);
        Assert.StartsWith("error: rollout \"rollout-app\" was canceled: ", canceled.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_History_AndOutputFormats()
    {
        await using var run = await CliCluster.StartAsync();
        var none = await run.RunAsync("rollout", "list");
        Assert.Equal(0, none.ExitCode);
        Assert.Equal("No resources found in default namespace.", none.ErrorLine);

        await run.ApplyAppAsync();
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);

        var list = await run.RunAsync("rollout", "list");
        var rows = list.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+CANARY_STEP\s+CANARY_STATE\s+MESSAGE\s+AGE$", rows[0]);
        Assert.Matches(@"^rollout-app\s+Progressing\s+1\s+StepPaused\s+Rollout is in step\(1/1\), and you need manually confirm to enter the next step\s+\d+s$", rows[1]);

        var json = System.Text.Json.Nodes.JsonNode.Parse((await run.RunAsync("rollout", "list", "-o", "json")).Output)!;
        Assert.Equal("rollout-app", json["items"]![0]!["metadata"]!["name"]!.GetValue<string>());
        var yaml = (await run.RunAsync("rollout", "status", "rollout-app", "-o", "yaml")).Output;
        Assert.Contains("kind: Rollout", yaml, StringComparison.Ordinal);
        Assert.Contains("currentStepState: StepPaused", yaml, StringComparison.Ordinal);

        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        await run.Cluster.WaitForCompletedAsync("rollout-app");
        await run.Cluster.WaitForIdleAsync("app");
        var history = await run.RunAsync("rollout", "history", "rollout-app");
        Assert.Equal(0, history.ExitCode);
        Assert.Contains(": completed", history.Output, StringComparison.Ordinal);
        Assert.Contains("upgrade step(1) canary pods with new versions done", history.Output, StringComparison.Ordinal);
        var revisions = System.Text.Json.Nodes.JsonNode.Parse((await run.RunAsync("rollout", "history", "rollout-app", "-o", "json")).Output)!["revisions"]!.AsArray();
        Assert.Contains(revisions, static r => r!["images"]!.GetValue<string>() == CliCluster.V2 && r["replicas"]!.GetValue<int>() == 2);
    }

    [Fact]
    public async Task OnATerminal_StatusIsATable_AndWatchIsALiveTable_WithTheSameVerdict()
    {
        await using var run = await CliCluster.StartAsync();
        await run.ApplyAppAsync();
        await run.Cluster.SetImageAsync("app", CliCluster.V2);
        await run.Cluster.WaitForStepPausedAsync("rollout-app", 1);

        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = new CliConsole(output, error, IsTerminal: true);
        Assert.Equal(0, await KubectlLanes.RunAsync(["rollout", "status", "rollout-app", "--kubeconfig", run.Cli.Kubeconfig], terminal));
        var table = output.ToString();
        Assert.Contains("rollout-app", table, StringComparison.Ordinal);
        Assert.Contains("1/1 StepPaused", table, StringComparison.Ordinal);
        Assert.Contains("│", table, StringComparison.Ordinal);

        output.GetStringBuilder().Clear();
        var watching = KubectlLanes.RunAsync(["rollout", "status", "rollout-app", "--watch", "--timeout", "60s", "--interval", "50ms", "--kubeconfig", run.Cli.Kubeconfig], terminal);
        Assert.Equal(0, (await run.RunAsync("rollout", "approve", "rollout-app")).ExitCode);
        Assert.Equal(0, await watching.WaitAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains("Healthy", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("rollout \"rollout-app\" successfully rolled out" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
    }
}
