using System.Text.Json.Nodes;
using Lanes.RolloutController.Cluster;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>
/// A pass reads the Rollout from the watch cache, as Kruise's informers do: under a failing API server each extra read
/// made a pass fail, and the key's backoff grew until the release stalled for minutes (ControllerFaultTests).
/// </summary>
public sealed class RolloutCacheTests
{
    // Nothing listens there: any call to the API server fails.
    private static readonly k8s.IKubernetes Unreachable = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:9/" });
    private static readonly Lanes.RolloutController.Analysis.AnalysisRunner AnalysisRunnerForTests = new(new Lanes.RolloutController.Analysis.PrometheusClient(new NoHttpClients()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Lanes.RolloutController.Analysis.AnalysisRunner>.Instance);

    private sealed class NoHttpClients : System.Net.Http.IHttpClientFactory
    {
        public System.Net.Http.HttpClient CreateClient(string name) => throw new InvalidOperationException("no HTTP in this test");
    }

    [Fact]
    public async Task Observe_WithSyncedCaches_ReadsNothingFromTheApiServer()
    {
        var cache = Synced();
        cache.Rollouts.Replace([Rollout("7")]);
        var observer = new RolloutObserver(Unreachable, cache, AnalysisRunnerForTests);

        var observed = await observer.ObserveAsync("default", "rollout-app", CancellationToken.None);

        Assert.NotNull(observed);
        Assert.Equal("7", observed.Document["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("app", observed.Observation.Rollout.Spec.WorkloadRef!.Name);
    }

    [Fact]
    public async Task Observe_Fresh_ReadsTheApiServer_AfterAConflict()
    {
        var cache = Synced();
        cache.Rollouts.Replace([Rollout("7")]);
        var observer = new RolloutObserver(Unreachable, cache, AnalysisRunnerForTests);

        await Assert.ThrowsAsync<HttpRequestException>(() => observer.ObserveAsync("default", "rollout-app", CancellationToken.None, fresh: true));
    }

    [Fact]
    public async Task Observe_GivesACopy_SoAPassCannotChangeTheCache()
    {
        var cache = Synced();
        cache.Rollouts.Replace([Rollout("7")]);
        var observer = new RolloutObserver(Unreachable, cache, AnalysisRunnerForTests);

        var observed = await observer.ObserveAsync("default", "rollout-app", CancellationToken.None);
        observed!.Document["metadata"]!["resourceVersion"] = "8";

        Assert.Equal("7", cache.Rollouts.Get("default", "rollout-app")!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void Written_IsNotReplacedByAnOlderWatchEvent_ButByANewerOne()
    {
        var cache = new ObjectCache();
        cache.Replace([Rollout("7")]);

        cache.Written(Rollout("9"));
        cache.Apply(k8s.WatchEventType.Modified, Rollout("8"));
        Assert.Equal("9", cache.Get("default", "rollout-app")!["metadata"]!["resourceVersion"]!.GetValue<string>());

        cache.Apply(k8s.WatchEventType.Modified, Rollout("10"));
        Assert.Equal("10", cache.Get("default", "rollout-app")!["metadata"]!["resourceVersion"]!.GetValue<string>());

        cache.Apply(k8s.WatchEventType.Deleted, Rollout("11"));
        Assert.Null(cache.Get("default", "rollout-app"));
    }

    private static ClusterCache Synced()
    {
        var cache = new ClusterCache();
        cache.Deployments.Replace([]);
        cache.ReplicaSets.Replace([]);
        cache.TrafficRoutings.Replace([]);
        return cache;
    }

    private static JsonObject Rollout(string resourceVersion) => new()
    {
        ["apiVersion"] = "rollouts.kruise.io/v1beta1",
        ["kind"] = "Rollout",
        ["metadata"] = new JsonObject { ["name"] = "rollout-app", ["namespace"] = "default", ["resourceVersion"] = resourceVersion },
        ["spec"] = new JsonObject
        {
            ["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "app" },
            ["strategy"] = new JsonObject { ["canary"] = new JsonObject { ["steps"] = new JsonArray(new JsonObject { ["replicas"] = 1 }) } },
        },
    };
}
