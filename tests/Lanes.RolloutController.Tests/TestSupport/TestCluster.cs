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

    /// <summary>An emulator with the controller's CRDs (and Gateway API's HTTPRoute) installed, as on a cluster that runs it.</summary>
    public static async Task<TestCluster> StartAsync(EmulatorOptions? options = null)
    {
        var emulator = await KubernetesEmulator.StartAsync(options);
        emulator.InstallCrds();
        return new(emulator);
    }

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

    /// <summary>Creates a Deployment <paramref name="app"/> and waits until it has rolled out.</summary>
    public async Task ApplyAppAsync(string app, int replicas, string image)
    {
        Apply($$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{app}}
            spec:
              replicas: {{replicas}}
              selector:
                matchLabels:
                  app: {{app}}
              template:
                metadata:
                  labels:
                    app: {{app}}
                spec:
                  containers:
                  - name: main
                    image: {{image}}
            """);
        await Eventually.WaitAsync(
            () => Deployment(app) is { } d && JsonNumbers.ReadInt(d["status"]?["availableReplicas"]) == replicas && JsonNumbers.ReadInt(d["status"]?["replicas"]) == replicas,
            app + " to roll out");
    }

    /// <summary>A v1alpha1 Rollout shaped like the seed's, for one app.</summary>
    public static string SeedStyleRollout(string name, string app, string steps = "      - pause: {}\n        replicas: 1\n", string extraAnnotations = "", string classType = "mse", string? entry = null) =>
        ServiceAndIngress(app) + "\n---\n" + $$"""
        apiVersion: rollouts.kruise.io/v1alpha1
        kind: Rollout
        metadata:
          name: {{name}}
          annotations:
            rollouts.kruise.io/trafficrouting: lane-traffic
        {{extraAnnotations}}
        spec:
          objectRef:
            workloadRef:
              apiVersion: apps/v1
              kind: Deployment
              name: {{app}}
          strategy:
            canary:
              steps:
        {{steps}}
              patchPodTemplateMetadata:
                labels:
                  alicloud.service.tag: gray
                  opensergo.io/canary-gray: gray
        ---
        apiVersion: rollouts.kruise.io/v1alpha1
        kind: TrafficRouting
        metadata:
          name: lane-traffic
        spec:
          objectRef:
          - service: {{app}}
            gracePeriodSeconds: 0
            ingress:
              classType: {{classType}}
              name: {{entry ?? app}}
          strategy:
            matches:
            - headers:
              - type: Exact
                name: User-Agent
                value: xiaoming
            requestHeaderModifier:
              set:
              - name: x-mse-tag
                value: gray
        """;

    /// <summary>A v1beta1 Rollout <c>rollout-&lt;app&gt;</c> with its own trafficRoutings (grace period 0) to the given entry.</summary>
    /// <param name="app">The Deployment and its Service.</param>
    /// <param name="entry">The entry lines (<c>ingress:</c>, <c>gateway:</c>…), continuation lines indented for the reference.</param>
    /// <param name="steps">The step list, each line indented by 6 spaces.</param>
    public static string OwnRoutesRollout(string app, string entry, string steps) => $$"""
        apiVersion: rollouts.kruise.io/v1beta1
        kind: Rollout
        metadata:
          name: rollout-{{app}}
        spec:
          workloadRef:
            apiVersion: apps/v1
            kind: Deployment
            name: {{app}}
          strategy:
            canary:
              enableExtraWorkloadForCanary: true
              trafficRoutings:
              - service: {{app}}
                gracePeriodSeconds: 0
                {{entry}}
              steps:
        {{steps}}
              patchPodTemplateMetadata:
                labels:
                  alicloud.service.tag: gray
        """;

    /// <summary>A Service and an MSE Ingress for <paramref name="app"/>, as the seed's mse-demo.yaml and mse-ingress.yaml give spring-cloud-a.</summary>
    public static string ServiceAndIngress(string app, string ingressClass = "mse") => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {{app}}
        spec:
          ports:
          - name: http
            port: 80
            targetPort: 8080
          selector:
            app: {{app}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: {{app}}
          annotations:
            mse.ingress.kubernetes.io/service-subset: ""
        spec:
          ingressClassName: {{ingressClass}}
          rules:
          - http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: {{app}}
                    port:
                      number: 80
        """;

    // A read-modify-write retried on 409, as a patch without a resourceVersion never conflicts on a real server: the
    // simulated kube-controller-manager writes Deployments (status, revision annotation) at the same time.
    public void Patch(ResourceType type, string name, Func<JsonObject, bool> change, bool statusOnly = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Store.Mutate(new StoredObjectKey(type, Ns, name), change, statusOnly);
                return;
            }
            catch (ApiException e) when (e.Code == System.Net.HttpStatusCode.Conflict && attempt < 20)
            {
            }
        }
    }

    public IReadOnlyList<string> PodNames(string app, bool gray) =>
        Pods(app).Where(p => (p["metadata"]!["labels"]!["alicloud.service.tag"] is not null) == gray)
            .Select(static p => p["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();

    public JsonObject? Rollout(string name) => Store.Get(new StoredObjectKey(ResourceType.Rollouts, Ns, name));

    public JsonObject? Get(ResourceType type, string name) => Store.Get(new StoredObjectKey(type, Ns, name));

    public JsonObject? TrafficRouting(string name) => Get(ResourceType.TrafficRoutings, name);

    /// <summary>The Events recorded about an object, oldest first.</summary>
    public IReadOnlyList<JsonObject> Events(string involvedName) =>
        Store.List(ResourceType.Events, Ns).Items.Where(e => e["involvedObject"]?["name"]?.GetValue<string>() == involvedName).ToList();

    public static Dictionary<string, string> StringMap(JsonNode? node) =>
        (node as JsonObject)?.ToDictionary(static p => p.Key, static p => p.Value!.GetValue<string>()) ?? [];

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

    /// <summary>The Rollout's status, and the last lines the controllers logged (for a wait that timed out).</summary>
    public string Describe(string rollout) =>
        (Rollout(rollout)?["status"]?.ToJsonString() ?? "(no rollout)") + Environment.NewLine + "Controller log (last 60 lines):" + Environment.NewLine + ControllerLog.Tail(Emulator, 60);

    /// <summary>
    /// Changes a Deployment's image as <c>kubectl apply</c> of an edited mse-demo.yaml would: an update through the API,
    /// so the admission webhooks registered with the emulator see it.
    /// </summary>
    public Task SetImageAsync(string deployment, string image) =>
        Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/spec/template/spec/containers/0/image", ["value"] = image }).ToJsonString(), V1Patch.PatchType.JsonPatch),
            deployment, Ns);

    /// <summary>
    /// Approves as the seed's <c>kubectl patch rollout --subresource=status --type=merge</c> does: a merge patch of the
    /// status subresource in the preferred version (v1beta1, the storage version), through the real client.
    /// </summary>
    public Task ApproveAsync(string rollout) =>
        Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"canaryStatus":{"currentStepState":"StepReady"}}}""", V1Patch.PatchType.MergePatch),
            KruiseNames.Group, KruiseNames.V1Beta1, Ns, KruiseNames.RolloutPlural, rollout);

    public Task<JsonObject> WaitForRolloutAsync(string name, Func<JsonObject, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => Rollout(name), condition, $"{name}: {what}", timeout, () => Describe(name));

    /// <summary>Waits until the Deployment is idle under its Rollout again: labelled for the webhook, not held, not paused.</summary>
    // Idle also means no native rollout in flight (what `kubectl rollout status` waits for): a template change made while
    // two ReplicaSets are active is not a canary release (Kruise's webhook requires exactly one).
    public Task WaitForIdleAsync(string deployment) =>
        Eventually.WaitAsync(
            () => Deployment(deployment) is { } d && d["spec"]?["paused"]?.GetValue<bool>() != true && d["metadata"]?["annotations"]?[KruiseNames.InProgressingAnnotation] is null &&
                d["metadata"]?["labels"]?[KruiseNames.WorkloadTypeLabel]?.GetValue<string>() == "deployment" && IsRolledOut(d),
            deployment + " to be idle under its Rollout");

    private static bool IsRolledOut(JsonObject d)
    {
        var replicas = JsonNumbers.ReadInt(d["spec"]?["replicas"]) ?? 1;
        var status = d["status"];
        return JsonNumbers.ReadLong(status?["observedGeneration"]) >= JsonNumbers.ReadLong(d["metadata"]?["generation"]) &&
            (JsonNumbers.ReadInt(status?["updatedReplicas"]) ?? 0) == replicas && (JsonNumbers.ReadInt(status?["replicas"]) ?? 0) == replicas &&
            (JsonNumbers.ReadInt(status?["availableReplicas"]) ?? 0) == replicas;
    }

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
