using System.Net;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static Lanes.RolloutController.Tests.Emulator.EmulatorHttp;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// The emulator's Deployment controller behaves as kube-controller-manager's, as
/// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ describes it (sections cited per test).
/// </summary>
public sealed class DeploymentSimulatorTests
{
    private const string Ns = "default";

    // #max-surge and #max-unavailable: "the absolute number is calculated from percentage by rounding up" (surge) and
    // "by rounding down" (unavailable); both 0 is invalid, and when percentages round both to 0 the controller uses 1 unavailable.
    [Theory]
    [InlineData(4, "1", "0", 5, 4)]
    [InlineData(10, "\"25%\"", "\"25%\"", 13, 8)]
    [InlineData(3, "0", "1", 3, 2)]
    [InlineData(1, "\"0%\"", "\"10%\"", 1, 0)]
    public async Task RollingUpdate_StaysWithinMaxSurgeAndMaxUnavailable(int replicas, string maxSurge, string maxUnavailable, int maxPods, int minAvailable)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        var store = emulator.Store;
        store.Create(ResourceType.Deployments, Ns, Deployment("app", replicas, "example/app:v1",
            "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":" + maxSurge + ",\"maxUnavailable\":" + maxUnavailable + "}}"));
        await WaitForCompleteAsync(emulator, "app", "example/app:v1", replicas);

        var most = 0;
        var fewest = int.MaxValue;
        var gate = new Lock();
        void Observe(WatchEvent e)
        {
            if (e.Key.Type != ResourceType.Pods)
            {
                return;
            }

            var pods = Pods(store, "app").Where(static p => p["metadata"]!["deletionTimestamp"] is null).ToList();
            lock (gate)
            {
                most = Math.Max(most, pods.Count);
                fewest = Math.Min(fewest, pods.Count(IsReady));
            }
        }

        store.Changed += Observe;
        try
        {
            SetImage(store, "app", "example/app:v2");
            await WaitForCompleteAsync(emulator, "app", "example/app:v2", replicas);
        }
        finally
        {
            store.Changed -= Observe;
        }

        Assert.Equal(maxPods, most);
        Assert.True(fewest >= minAvailable, $"{fewest} ready pods during the rollout, fewer than {minAvailable}");
        var deployment = store.Get(Key("app"))!;
        Assert.Equal("2", deployment["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>());
    }

    // #min-ready-seconds: a new pod counts as available only once it has been ready that long.
    [Fact]
    public async Task APod_IsAvailableOnlyAfterMinReadySeconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { TimeProvider = time });
        var deployment = Deployment("app", 1, "example/app:v1");
        deployment["spec"]!["minReadySeconds"] = 30;
        emulator.Store.Create(ResourceType.Deployments, Ns, deployment);

        var status = await Eventually.WaitAsync(() => emulator.Store.Get(Key("app"))?["status"] as JsonObject, static s => Int(s, "readyReplicas") == 1, "the pod to be ready");
        Assert.Equal(0, Int(status, "availableReplicas"));
        Assert.Equal(1, Int(status, "unavailableReplicas"));
        Assert.Equal(("False", "MinimumReplicasUnavailable"), Condition(status, "Available"));

        time.Advance(TimeSpan.FromSeconds(31));
        status = await Eventually.WaitAsync(() => emulator.Store.Get(Key("app"))?["status"] as JsonObject, static s => Int(s, "availableReplicas") == 1, "the pod to be available");
        Assert.Equal(("True", "MinimumReplicasAvailable"), Condition(status, "Available"));
        await Eventually.WaitAsync(() => Condition(emulator.Store.Get(Key("app"))!["status"], "Progressing") == ("True", "NewReplicaSetAvailable"), "the rollout to complete");
        Assert.Null(emulator.Store.Get(Key("app"))!["status"]!["unavailableReplicas"]);   // zero counts are omitted, as the API serialises them
    }

    // #pausing-and-resuming-a-deployment: a paused Deployment does not roll out a changed template (but still scales);
    // #progressing-deployment: Progressing is Unknown with DeploymentPaused, then DeploymentResumed.
    [Fact]
    public async Task APausedDeployment_ScalesButDoesNotRollOut_UntilResumed()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        var store = emulator.Store;
        store.Create(ResourceType.Deployments, Ns, Deployment("app", 2, "example/app:v1"));
        await WaitForCompleteAsync(emulator, "app", "example/app:v1", 2);

        var reasons = RecordProgressingReasons(store, "app");
        Update(store, Key("app"), static d =>
        {
            d["spec"]!["paused"] = true;
            return true;
        });
        await Eventually.WaitAsync(() => Condition(store.Get(Key("app"))!["status"], "Progressing") == ("Unknown", "DeploymentPaused"), "the paused condition");
        SetImage(store, "app", "example/app:v2");
        Update(store, Key("app"), static d =>
        {
            d["spec"]!["replicas"] = 3;
            return true;
        });
        await Eventually.WaitAsync(
            () => store.Get(Key("app")) is { } d && JsonNumbers.ReadLong(d["status"]?["observedGeneration"]) == JsonNumbers.ReadLong(d["metadata"]?["generation"]) && Pods(store, "app").Count(IsReady) == 3,
            "the paused Deployment to scale to 3");
        Assert.Single(store.List(ResourceType.ReplicaSets, Ns).Items);
        Assert.All(Pods(store, "app"), static p => Assert.Equal("example/app:v1", Image(p)));

        Update(store, Key("app"), static d =>
        {
            d["spec"]!["paused"] = false;
            return true;
        });
        await WaitForCompleteAsync(emulator, "app", "example/app:v2", 3);
        Assert.Equal(["NewReplicaSetAvailable", "DeploymentPaused", "DeploymentResumed", "NewReplicaSetCreated", "ReplicaSetUpdated", "NewReplicaSetAvailable"], Collapse(reasons));
    }

    // #progress-deadline-seconds and #failed-deployment: no progress for progressDeadlineSeconds gives Progressing False
    // with ProgressDeadlineExceeded; the old pods keep the Deployment Available.
    [Fact]
    public async Task ARolloutWithoutProgress_ExceedsItsDeadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions
        {
            TimeProvider = time,
            PodReadyAfter = static p => p["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() == "example/app:broken" ? null : TimeSpan.Zero,
        });
        var store = emulator.Store;
        var deployment = Deployment("app", 2, "example/app:v1");
        deployment["spec"]!["progressDeadlineSeconds"] = 60;
        store.Create(ResourceType.Deployments, Ns, deployment);
        await WaitForCompleteAsync(emulator, "app", "example/app:v1", 2);

        SetImage(store, "app", "example/app:broken");
        // Wait until the rollout is stuck (one surge pod that never turns ready) so that no later progress restarts the deadline.
        await Eventually.WaitAsync(
            () => store.Get(Key("app"))!["status"] is { } s && Int(s, "updatedReplicas") == 1 && Condition(s, "Progressing") == ("True", "ReplicaSetUpdated"),
            "the rollout to start and get stuck");
        time.Advance(TimeSpan.FromSeconds(61));
        var status = await Eventually.WaitAsync(() => store.Get(Key("app"))?["status"] as JsonObject, static s => Condition(s, "Progressing") == ("False", "ProgressDeadlineExceeded"), "the deadline to pass");
        var newReplicaSet = store.List(ResourceType.ReplicaSets, Ns).Items.Single(rs => rs["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "example/app:broken");
        Assert.Equal($"ReplicaSet \"{newReplicaSet["metadata"]!["name"]}\" has timed out progressing.", ConditionNode(status, "Progressing")!["message"]!.GetValue<string>());
        Assert.Equal(("True", "MinimumReplicasAvailable"), Condition(status, "Available"));
        Assert.Equal(2, Pods(store, "app").Count(p => Image(p) == "example/app:v1" && IsReady(p)));
    }

    // #recreate-deployment: "All existing Pods are killed before new ones are created."
    [Fact]
    public async Task Recreate_StartsNewPodsOnlyOnceEveryOldPodIsGone()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { PodTerminationTime = TimeSpan.FromMilliseconds(300) });
        var store = emulator.Store;
        store.Create(ResourceType.Deployments, Ns, Deployment("app", 3, "example/app:v1", """{"type":"Recreate"}"""));
        await WaitForCompleteAsync(emulator, "app", "example/app:v1", 3);

        var overlaps = 0;
        void Observe(WatchEvent e)
        {
            if (e.Key.Type == ResourceType.Pods)
            {
                var images = Pods(store, "app").Select(Image).ToHashSet();
                if (images.Count > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }
            }
        }

        store.Changed += Observe;
        try
        {
            SetImage(store, "app", "example/app:v2");
            await WaitForCompleteAsync(emulator, "app", "example/app:v2", 3);
        }
        finally
        {
            store.Changed -= Observe;
        }

        Assert.Equal(0, overlaps);
    }

    // #writing-a-deployment-spec (strategy, revision history limit, progress deadline defaults) and the API server's
    // validation: "maxSurge and maxUnavailable cannot both be 0"; Recreate takes no rollingUpdate.
    [Theory]
    [InlineData("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}""", "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0")]
    [InlineData("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"0%","maxUnavailable":"0%"}}""", "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0")]
    [InlineData("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"1","maxUnavailable":1}}""", "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"1\": a valid percent string must be a numeric string followed by an ending '%'")]
    [InlineData("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"150%"}}""", "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%")]
    [InlineData("""{"type":"Recreate","rollingUpdate":{"maxSurge":1}}""", "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'")]
    [InlineData("""{"type":"BlueGreen"}""", "spec.strategy: Unsupported value: \"BlueGreen\"")]
    public async Task AnInvalidStrategy_IsRefusedAtAdmission(string strategy, string message)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        var status = await SendAsync(http, HttpMethod.Post, "apis/apps/v1/namespaces/default/deployments", Deployment("app", 1, "example/app:v1", strategy).ToJsonString(), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Contains("Deployment.apps \"app\" is invalid: " + message, status["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var created = await SendAsync(http, HttpMethod.Post, "apis/apps/v1/namespaces/default/deployments", Deployment("app", 1, "example/app:v1").ToJsonString(), HttpStatusCode.Created);
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}""", created["spec"]!["strategy"]!.ToJsonString());
        Assert.Equal(10, JsonNumbers.ReadInt(created["spec"]!["revisionHistoryLimit"]));
        Assert.Equal(600, JsonNumbers.ReadInt(created["spec"]!["progressDeadlineSeconds"]));
    }

    // https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination: a deleted pod is marked
    // terminating (deletionTimestamp), stays listed while its containers stop, then goes; its ReplicaSet replaces it at once.
    [Fact]
    public async Task ADeletedPod_TerminatesBeforeItGoes_AndIsReplacedMeanwhile()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { TimeProvider = time, PodTerminationTime = TimeSpan.FromSeconds(5) });
        var store = emulator.Store;
        store.Create(ResourceType.Deployments, Ns, Deployment("app", 1, "example/app:v1"));
        var pod = await Eventually.WaitAsync(() => Pods(store, "app").SingleOrDefault(IsReady), static _ => true, "the pod");
        var name = pod["metadata"]!["name"]!.GetValue<string>();

        var deleted = store.Delete(new StoredObjectKey(ResourceType.Pods, Ns, name))!;
        Assert.NotNull(deleted["metadata"]!["deletionTimestamp"]);
        Assert.Equal(30, JsonNumbers.ReadInt(deleted["metadata"]!["deletionGracePeriodSeconds"]));
        await Eventually.WaitAsync(() => Pods(store, "app").Count(p => p["metadata"]!["deletionTimestamp"] is null && IsReady(p)) == 1, "the replacement");
        Assert.Contains(Pods(store, "app"), p => p["metadata"]!["name"]!.GetValue<string>() == name);

        time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.WaitAsync(() => Pods(store, "app").All(p => p["metadata"]!["name"]!.GetValue<string>() != name), "the terminated pod to go");
    }

    // #deployment-status: FoundNewReplicaSet when a progress deadline appears on a Deployment whose ReplicaSet exists;
    // without a deadline (MaxInt32) there is no Progressing condition.
    [Fact]
    public async Task ProgressingCondition_IsAbsentWithoutADeadline_AndFoundWhenOneIsSet()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        var store = emulator.Store;
        var deployment = Deployment("app", 1, "example/app:v1");
        deployment["spec"]!["progressDeadlineSeconds"] = int.MaxValue;
        store.Create(ResourceType.Deployments, Ns, deployment);
        await Eventually.WaitAsync(() => Int(store.Get(Key("app"))!["status"], "availableReplicas") == 1, "the pod to be available");
        Assert.Null(ConditionNode(store.Get(Key("app"))!["status"], "Progressing"));

        var reasons = RecordProgressingReasons(store, "app");
        Update(store, Key("app"), static d =>
        {
            d["spec"]!["progressDeadlineSeconds"] = 600;
            return true;
        });
        await Eventually.WaitAsync(() => Condition(store.Get(Key("app"))!["status"], "Progressing") == ("True", "NewReplicaSetAvailable"), "the complete condition");
        Assert.Equal(["FoundNewReplicaSet", "NewReplicaSetAvailable"], Collapse(reasons));
    }

    private static async Task WaitForCompleteAsync(KubernetesEmulator emulator, string name, string image, int replicas) =>
        await Eventually.WaitAsync(
            () => emulator.Store.Get(Key(name)) is { } d && Condition(d["status"], "Progressing") == ("True", "NewReplicaSetAvailable") &&
                JsonNumbers.ReadLong(d["status"]?["observedGeneration"]) == JsonNumbers.ReadLong(d["metadata"]?["generation"]) &&
                Int(d["status"], "updatedReplicas") == replicas && Int(d["status"], "availableReplicas") == replicas &&
                Pods(emulator.Store, name) is var pods && pods.Count == replicas && pods.All(p => Image(p) == image && IsReady(p)),
            $"{name} to run {replicas} x {image}",
            describe: () => emulator.Store.Get(Key(name))?["status"]?.ToJsonString() ?? "");

    private static List<string> RecordProgressingReasons(ResourceStore store, string name)
    {
        var reasons = new List<string>();
        store.Changed += e =>
        {
            if (e.Key == Key(name) && ConditionNode(e.Object["status"], "Progressing")?["reason"]?.GetValue<string>() is { } reason)
            {
                lock (reasons)
                {
                    reasons.Add(reason);
                }
            }
        };
        return reasons;
    }

    // The reasons in the order they were written, repeats of the same reason once.
    private static List<string> Collapse(List<string> reasons)
    {
        lock (reasons)
        {
            return reasons.Where((r, i) => i == 0 || reasons[i - 1] != r).ToList();
        }
    }

    private static JsonObject Deployment(string name, int replicas, string image, string? strategy = null)
    {
        var labels = new JsonObject { ["app"] = name };
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }) },
                },
            },
        };
        if (strategy is not null)
        {
            deployment["spec"]!["strategy"] = JsonNode.Parse(strategy);
        }

        return deployment;
    }

    private static void SetImage(ResourceStore store, string name, string image) =>
        Update(store, Key(name), d =>
        {
            d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;
            return true;
        });

    // A read-modify-write that retries on 409, as a client does: the simulated controllers write the same objects.
    private static void Update(ResourceStore store, StoredObjectKey key, Func<JsonObject, bool> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                store.Mutate(key, change);
                return;
            }
            catch (ApiException e) when (e.Code == HttpStatusCode.Conflict && attempt < 20)
            {
            }
        }
    }

    private static StoredObjectKey Key(string name) => new(ResourceType.Deployments, Ns, name);

    private static IReadOnlyList<JsonObject> Pods(ResourceStore store, string app) =>
        store.List(ResourceType.Pods, Ns, LabelSelector.Parse("app=" + app)).Items;

    private static string Image(JsonObject pod) => pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>();

    private static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"] is JsonArray conditions && conditions.Any(static c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    private static int Int(JsonNode? status, string field) => JsonNumbers.ReadInt(status?[field]) ?? 0;

    private static JsonObject? ConditionNode(JsonNode? status, string type) =>
        (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    private static (string?, string?) Condition(JsonNode? status, string type) =>
        ConditionNode(status, type) is { } c ? (c["status"]?.GetValue<string>(), c["reason"]?.GetValue<string>()) : (null, null);
}
