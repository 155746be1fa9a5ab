using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>Idle Rollouts cost the API server nothing but one GET each per resync: no lists, no writes.</summary>
[Collection(ScaleTests.Collection)]
public sealed partial class ScaleTests
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
            cluster.Apply($$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: app-{{i}}
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app: app-{{i}}
                  template:
                    metadata:
                      labels:
                        app: app-{{i}}
                    spec:
                      containers:
                      - name: main
                        image: example/app:v1
                ---
                apiVersion: rollouts.kruise.io/v1beta1
                kind: Rollout
                metadata:
                  name: rollout-{{i}}
                spec:
                  workloadRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: app-{{i}}
                  strategy:
                    canary:
                      enableExtraWorkloadForCanary: true
                      steps:
                      - replicas: 1
                        pause: {}
                """);
        }

        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:ResyncPeriod"] = "00:00:02",
        });
        await Eventually.WaitAsync(
            () => Enumerable.Range(0, Count).All(i => TestCluster.State(cluster.Rollout("rollout-" + i)) == CanaryStepStates.Completed),
            $"{Count} Rollouts to be Healthy", TimeSpan.FromMinutes(3));

        Volatile.Write(ref counting, true);

        // Positive evidence that resyncs ran over every Rollout at least twice while we counted.
        await Eventually.WaitAsync(
            () => calls.Count(static c => c.Method == "GET" && RolloutByName().IsMatch(c.Path)) >= 2 * Count,
            "two resyncs of every Rollout", TimeSpan.FromMinutes(2));
        Volatile.Write(ref counting, false);

        var seen = calls.ToList();
        Assert.Empty(seen.Where(static c => c.Method != "GET").Select(static c => c.Method + " " + c.Path));
        Assert.Empty(seen.Where(static c => c.Method == "GET" && !c.Query.Contains("watch=true", StringComparison.Ordinal) && IsList(c.Path)).Select(static c => c.Path + c.Query));
        Assert.Empty(seen.Where(static c => c.Method == "GET" && !RolloutByName().IsMatch(c.Path) && !c.Query.Contains("watch=true", StringComparison.Ordinal)).Select(static c => c.Path));
    }

    // A collection: nothing after the plural (namespaced /…/namespaces/<ns>/<plural>, or cluster-scoped /api[s]/…/<plural>).
    private static bool IsList(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ns = Array.IndexOf(segments, "namespaces");
        if (ns > 0 && ns + 2 < segments.Length + 1 && segments.Length == ns + 3)
        {
            return true;
        }

        return ns < 0 && ((segments[0] == "api" && segments.Length == 3) || (segments[0] == "apis" && segments.Length == 4));
    }

    [GeneratedRegex("^/apis/rollouts\\.kruise\\.io/v1beta1/namespaces/default/rollouts/rollout-[0-9]+$")]
    private static partial Regex RolloutByName();
}

/// <summary>The collection of <see cref="ScaleTests"/>, run without other tests beside it.</summary>
[CollectionDefinition(ScaleTests.Collection, DisableParallelization = true)]
public sealed class ScaleCollection;
