using Lanes.Cli.Tests.TestSupport;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.Seed;

/// <summary>
/// The seed's walkthrough with <c>kubectl lanes</c> in place of Kruise's plugin and <c>kubectl get rollout</c>: every
/// look at the release and every decision goes through the CLI. Only the manifests are applied and the images changed
/// through the API, as <c>kubectl apply</c> of the seed's files does.
/// </summary>
public sealed class SeedWithKubectlLanesTests
{
    private const string Images = "registry.cn-hangzhou.aliyuncs.com/mse-demo-hz/";
    private const string PausedMessage = "Rollout is in step(1/1), and you need manually confirm to enter the next step";

    [Fact]
    public async Task Seed_ReleaseAAndC_WatchApproveAndComplete_ThroughKubectlLanesOnly()
    {
        await using var run = await CliCluster.StartAsync();
        await run.Cluster.ApplyDemoAsync();
        run.Cluster.Apply(Manifests.LoadFile("mse-ingress.yaml"));
        run.Cluster.Apply(Manifests.LoadFile("rollout.yaml"));

        // "If the output shows STATUS=Healthy, the Rollout resources are ready."
        var ready = await ListUntilAsync(run, static rows => rows.Count == 3 && rows.All(static r => r[1] == "Healthy"));
        Assert.Equal(["rollout-a", "rollout-b", "rollout-c"], ready.Select(static r => r[0]));

        // The new versions of A and C (mse-demo.yaml edited and applied again).
        await run.Cluster.SetImageAsync("spring-cloud-a", Images + "spring-cloud-a:mse-2.0.1");
        await run.Cluster.SetImageAsync("spring-cloud-c", Images + "spring-cloud-c:mse-2.0.1");
        var watchingA = run.Cli.Start(null, CancellationToken.None, "rollout", "status", "rollout-a", "--watch", "--timeout", "60s", "--interval", "100ms");

        // "Check the Rollout progress": A and C wait at step 1 for a person; B is untouched.
        var paused = await ListUntilAsync(run, static rows => rows.Count(static r => r[2] == "1" && r[3] == "StepPaused") == 2);
        foreach (var name in new[] { "rollout-a", "rollout-c" })
        {
            var row = paused.Single(r => r[0] == name);
            Assert.Equal(["Progressing", "1", "StepPaused", PausedMessage], row.Skip(1).Take(4));
        }

        Assert.Equal("Healthy", paused.Single(static r => r[0] == "rollout-b")[1]);
        var statusC = await run.RunAsync("rollout", "status", "rollout-c");
        Assert.Equal(0, statusC.ExitCode);
        Assert.Contains("Canary:    1/1 ready", statusC.Output, StringComparison.Ordinal);
        Assert.Contains("Traffic:   step 1: requests with User-Agent=xiaoming; set x-mse-tag: gray", statusC.Output, StringComparison.Ordinal);

        // The gray path is verified (curl -H "User-Agent: xiaoming" ...); the operator approves both.
        var approveA = await run.RunAsync("rollout", "approve", "rollout-a");
        var approveC = await run.RunAsync("rollout", "approve", "rollout/rollout-c");
        Assert.Equal("rollout.rollouts.kruise.io/rollout-a approved" + Environment.NewLine, approveA.Output);
        Assert.Equal("rollout.rollouts.kruise.io/rollout-c approved" + Environment.NewLine, approveC.Output);

        var resultA = await watchingA.Completion.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(resultA.ExitCode == 0, resultA.ToString());
        Assert.EndsWith("rollout \"rollout-a\" successfully rolled out" + Environment.NewLine, resultA.Output, StringComparison.Ordinal);
        var resultC = await run.RunAsync("rollout", "status", "rollout-c", "--watch", "--timeout", "60s", "--interval", "100ms");
        Assert.True(resultC.ExitCode == 0, resultC.ToString());

        var done = await ListUntilAsync(run, static rows => rows.All(static r => r[1] == "Healthy"));
        Assert.Equal(["Completed", "Completed"], done.Where(static r => r[0] != "rollout-b").Select(static r => r[3]));
        var history = await run.RunAsync("rollout", "history", "rollout-a");
        Assert.Contains(Images + "spring-cloud-a:mse-2.0.1", history.Output, StringComparison.Ordinal);
        Assert.Contains(": completed", history.Output, StringComparison.Ordinal);
    }

    // `kubectl lanes rollout list` until its rows satisfy the condition (bounded in time and count).
    private static async Task<List<string[]>> ListUntilAsync(CliCluster run, Func<List<string[]>, bool> condition)
    {
        List<string[]> rows = [];
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 0; attempt < 600 && started.Elapsed < Eventually.DefaultTimeout; attempt++)
        {
            var list = await run.RunAsync("rollout", "list");
            Assert.Equal(0, list.ExitCode);
            rows = Rows(list.Output);
            if (condition(rows))
            {
                return rows;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("rollout list never matched; last: " + string.Join(" | ", rows.Select(static r => string.Join(",", r))));
    }

    // The columns are padded to the widest cell; MESSAGE has spaces, so cells are cut at the header's offsets.
    private static List<string[]> Rows(string output)
    {
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return [];
        }

        var header = lines[0];
        // Each header is searched after the one before ("AGE" is also the end of "MESSAGE").
        var starts = new int[6];
        var from = 0;
        foreach (var (column, i) in new[] { "NAME ", "STATUS ", "CANARY_STEP ", "CANARY_STATE ", "MESSAGE ", "AGE" }.Select(static (c, i) => (c, i)))
        {
            starts[i] = header.IndexOf(column, from, StringComparison.Ordinal);
            from = starts[i] + column.Length;
        }

        return lines.Skip(1).Select(line => starts.Select((start, i) =>
        {
            var end = i + 1 < starts.Length ? Math.Min(starts[i + 1], line.Length) : line.Length;
            return start >= line.Length ? "" : line[start..end].Trim();
        }).ToArray()).ToList();
    }
}
