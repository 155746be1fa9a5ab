using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>An emulator plus a real KubernetesClient and the helpers the scenarios share.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Ns = "default";

    private TestCluster(KubernetesEmulator emulator)
    {
        Emulator = emulator;
        Client = ControllerHost.CreateClient(emulator);
    }

    public KubernetesEmulator Emulator { get; }

    public IKubernetes Client { get; }

    public ResourceStore Store => Emulator.Store;

    public static async Task<TestCluster> StartAsync(EmulatorOptions? options = null) => new(await KubernetesEmulator.StartAsync(options));

    public void Apply(IEnumerable<(ResourceType Type, JsonObject Object)> objects)
    {
        foreach (var (type, obj) in objects)
        {
            Emulator.Apply(type, obj, Ns);
        }
    }

    public void Apply(string yaml) => Apply(Manifests.Load(yaml));

    /// <summary>Applies the seed's mse-demo.yaml and waits until every Deployment has rolled out.</summary>
    public async Task ApplyDemoAsync()
    {
        Apply(Manifests.LoadFile("mse-demo.yaml"));
        await Eventually.WaitAsync(
            () => Store.List(ResourceType.Deployments, Ns).Items.All(static d =>
                JsonNumbers.ReadInt(d["status"]?["availableReplicas"]) == (JsonNumbers.ReadInt(d["spec"]?["replicas"]) ?? 1)),
            "the demo Deployments to roll out");
    }

    public JsonObject? Rollout(string name) => Store.Get(new StoredObjectKey(ResourceType.Rollouts, Ns, name));

    public JsonObject? Deployment(string name) => Store.Get(new StoredObjectKey(ResourceType.Deployments, Ns, name));

    public IReadOnlyList<JsonObject> Canaries(string workload) =>
        Store.List(ResourceType.Deployments, Ns, LabelSelector.Parse(KruiseNames.CanaryDeploymentLabel + "=" + workload)).Items;

    public IReadOnlyList<JsonObject> Pods(string app) =>
        Store.List(ResourceType.Pods, Ns, LabelSelector.Parse("app=" + app)).Items;

    public static string? Phase(JsonObject? rollout) => rollout?["status"]?["phase"]?.GetValue<string>();

    public static string? State(JsonObject? rollout) => rollout?["status"]?["canaryStatus"]?["currentStepState"]?.GetValue<string>();

    public static int? Step(JsonObject? rollout) => JsonNumbers.ReadInt(rollout?["status"]?["canaryStatus"]?["currentStepIndex"]);

    public static string? Message(JsonObject? rollout) => rollout?["status"]?["message"]?.GetValue<string>();

    public static JsonObject? Condition(JsonObject? rollout, string type) =>
        (rollout?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static string Image(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();

    public string Describe(string rollout) => Rollout(rollout)?["status"]?.ToJsonString() ?? "(no rollout)";

    /// <summary>Changes a Deployment's image as <c>kubectl apply</c> of an edited mse-demo.yaml would.</summary>
    public void SetImage(string deployment, string image) =>
        Store.Mutate(new StoredObjectKey(ResourceType.Deployments, Ns, deployment), d =>
        {
            d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;
            return true;
        });

    /// <summary>Approves like kubectl-kruise: a merge patch of the status subresource, through the real client.</summary>
    public Task ApproveAsync(string rollout) =>
        Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"canaryStatus":{"currentStepState":"StepReady"}}}""", V1Patch.PatchType.MergePatch),
            KruiseNames.Group, KruiseNames.V1Alpha1, Ns, KruiseNames.RolloutPlural, rollout);

    public Task<JsonObject> WaitForRolloutAsync(string name, Func<JsonObject, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => Rollout(name), condition, $"{name}: {what}", timeout, () => Describe(name));

    public Task<JsonObject> WaitForStepPausedAsync(string name, int step, TimeSpan? timeout = null) =>
        WaitForRolloutAsync(name, r => Phase(r) == RolloutPhases.Progressing && State(r) == CanaryStepStates.StepPaused && Step(r) == step, $"StepPaused at step {step}", timeout);

    public Task<JsonObject> WaitForCompletedAsync(string name, TimeSpan? timeout = null) =>
        WaitForRolloutAsync(name, r => Phase(r) == RolloutPhases.Healthy && Condition(r, ConditionTypes.Succeeded) is not null && State(r) == CanaryStepStates.Completed, "release completed", timeout);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}
