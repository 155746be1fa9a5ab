using System.Collections.Concurrent;
using System.Diagnostics;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>Idle Rollouts cost the API server nothing: resync passes read the watch caches, so no lists, no writes, no GETs.</summary>
[Collection(ScaleTests.Collection)]
public sealed class ScaleTests
{
    /// <summary>200 Rollouts load both cores; they run alone so the timing of other tests is not theirs to bear.</summary>
    public const string Collection = "Scale (alone)";

    private const int Count = 200;

    [Fact]
    public async Task TwoHundredIdleRollouts_AfterStart_MakeNoWritesAndNoLists()
    {
        var calls = new ConcurrentQueue<(string Method, string Path, string Query)>();
        var counting = false;
        var options = new EmulatorOptions { OnRequest = (method, path, query) => { if (Volatile.Read(ref counting)) { calls.Enqueue((method, path, query)); } } };
        await using var cluster = await TestCluster.StartAsync(options);
        for (var i = 0; i < Count; i++)
        {
            cluster.Apply(ScaleManifests.DeploymentWithRollout(i));
        }

        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:ResyncPeriod"] = "00:00:02",
        });
        await Eventually.WaitAsync(
            () => Enumerable.Range(0, Count).All(i => TestCluster.State(cluster.Rollout("rollout-" + i)) == CanaryStepStates.Completed),
            $"{Count} Rollouts to be Healthy", TimeSpan.FromMinutes(3));

        // Positive evidence that resyncs ran over every Rollout at least twice while we counted: the passes' own
        // activities (the passes read the watch caches, so the API server does not see them).
        var passes = new ConcurrentDictionary<string, int>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Lanes",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (Volatile.Read(ref counting) && activity.OperationName == "Lanes.Rollout.Reconcile" && activity.GetTagItem("lanes.rollout") is string rollout)
                {
                    passes.AddOrUpdate(rollout, 1, static (_, n) => n + 1);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        Volatile.Write(ref counting, true);
        await Eventually.WaitAsync(
            () => passes.Count == Count && passes.Values.All(static n => n >= 2),
            "two resyncs of every Rollout", TimeSpan.FromMinutes(2), () => $"{passes.Count} Rollouts passed, {passes.Values.Count(static n => n >= 2)} twice");
        Volatile.Write(ref counting, false);

        // Idle, a pass reads only the watch caches: no writes, no lists, not even a GET; the watches stay open.
        var seen = calls.ToList();
        Assert.Empty(seen.Where(static c => c.Method != "GET").Select(static c => c.Method + " " + c.Path));
        Assert.Empty(seen.Where(static c => !c.Query.Contains("watch=true", StringComparison.Ordinal)).Select(static c => c.Path + c.Query));
    }
}

/// <summary>The collection of <see cref="ScaleTests"/>, run without other tests beside it.</summary>
[CollectionDefinition(ScaleTests.Collection, DisableParallelization = true)]
public sealed class ScaleCollection;
