using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>The emulator keeps the API server rules the controller depends on; checked through the real client.</summary>
public sealed class KubernetesEmulatorTests
{
    /// <summary>A write whose body leaves out kind (KubernetesClient's LeaseLock sends none) is stored as the path's kind: kubectl refuses objects without one.</summary>
    [Fact]
    public async Task AWriteWithoutKind_IsStoredAndAnsweredWithThePathsKind()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Emulator.EmulatorHttp.Client(emulator);
        await Emulator.EmulatorHttp.SendAsync(http, HttpMethod.Post, "apis/coordination.k8s.io/v1/namespaces/default/leases", """{"apiVersion":"coordination.k8s.io/v1","metadata":{"name":"l"},"spec":{"holderIdentity":"a"}}""", HttpStatusCode.Created);
        var updated = await Emulator.EmulatorHttp.SendAsync(http, HttpMethod.Put, "apis/coordination.k8s.io/v1/namespaces/default/leases/l", """{"metadata":{"name":"l","resourceVersion":"RV"},"spec":{"holderIdentity":"b"}}""".Replace("RV", emulator.Store.Get(new StoredObjectKey(new ResourceType("coordination.k8s.io", "leases"), "default", "l"))!["metadata"]!["resourceVersion"]!.GetValue<string>(), StringComparison.Ordinal), HttpStatusCode.OK);

        Assert.Equal("Lease", updated["kind"]!.GetValue<string>());
        var read = await Emulator.EmulatorHttp.SendAsync(http, HttpMethod.Get, "apis/coordination.k8s.io/v1/namespaces/default/leases/l", null, HttpStatusCode.OK);
        Assert.Equal(("Lease", "coordination.k8s.io/v1"), (read["kind"]!.GetValue<string>(), read["apiVersion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Generation_BumpsOnSpecChangesOnly_AndStaleWritesGet409()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        var client = cluster.Client;

        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("app", TestCluster.Ns);
        var generation = deployment.Metadata.Generation;
        deployment.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };
        var relabelled = await client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "app", TestCluster.Ns);
        Assert.Equal(generation, relabelled.Metadata.Generation);

        var scaled = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch), "app", TestCluster.Ns);
        Assert.Equal(generation + 1, scaled.Metadata.Generation);

        // deployment still carries the resourceVersion from before the two writes.
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "app", TestCluster.Ns));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task Faults_AnswerWithAKubernetesStatus_AndLeaveTheStoreUntouched()
    {
        var seen = new List<ApiRequest>();
        var options = new EmulatorOptions
        {
            Faults = request =>
            {
                lock (seen)
                {
                    seen.Add(request);
                }

                return request.Verb switch
                {
                    "patch" => ApiFault.Conflict,
                    "get" when request.Name == "app" => ApiFault.InternalError,
                    _ => null,
                };
            },
        };
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        var client = cluster.Client;

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch), "app", TestCluster.Ns));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        var status = JsonNode.Parse(conflict.Response.Content)!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(1, JsonNumbers.ReadInt(cluster.Deployment("app")!["spec"]!["replicas"]));

        var internalError = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReadNamespacedDeploymentAsync("app", TestCluster.Ns));
        Assert.Equal(HttpStatusCode.InternalServerError, internalError.Response.StatusCode);

        var list = await client.AppsV1.ListNamespacedDeploymentAsync(TestCluster.Ns);
        Assert.Single(list.Items);
        lock (seen)
        {
            Assert.Contains(seen, static r => r is { Verb: "patch", Name: "app", IsWrite: true });
            Assert.Contains(seen, static r => r is { Verb: "list", Name: null, IsWrite: false });
        }
    }

    [Fact]
    public async Task StatusSubresource_IsSeparateFromTheMainResource()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply("""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: r
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: app
              strategy:
                canary:
                  steps:
                  - replicas: 1
            """);
        var client = cluster.Client;

        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Healthy"},"spec":{"disabled":true}}""", V1Patch.PatchType.MergePatch),
            "rollouts.kruise.io", "v1beta1", TestCluster.Ns, "rollouts", "r");
        var rollout = cluster.Rollout("r")!;
        Assert.Equal("Healthy", rollout["status"]!["phase"]!.GetValue<string>());
        Assert.False(rollout["spec"]!["disabled"]!.GetValue<bool>());   // the CRD's default, not the status patch's spec

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"disabled":true},"status":{"phase":"Broken"}}""", V1Patch.PatchType.MergePatch),
            "rollouts.kruise.io", "v1beta1", TestCluster.Ns, "rollouts", "r");
        rollout = cluster.Rollout("r")!;
        Assert.True(rollout["spec"]!["disabled"]!.GetValue<bool>());
        Assert.Equal("Healthy", rollout["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(2, JsonNumbers.ReadInt(rollout["metadata"]!["generation"]));
    }

    [Fact]
    public async Task Delete_CollectsDependents_AndHonoursFinalizers()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        Assert.Equal(2, cluster.Pods("app").Count);

        cluster.Patch(ResourceType.Deployments, "app", static d =>
        {
            d["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
            return true;
        });
        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("app", TestCluster.Ns);
        Assert.NotNull(cluster.Deployment("app")!["metadata"]!["deletionTimestamp"]);
        Assert.Equal(2, cluster.Pods("app").Count);

        cluster.Patch(ResourceType.Deployments, "app", static d => ((JsonObject)d["metadata"]!).Remove("finalizers"));
        Assert.Null(cluster.Deployment("app"));

        // The garbage collector deletes the dependents afterwards, asynchronously, as on a cluster.
        await Eventually.WaitAsync(() => cluster.Store.List(ResourceType.ReplicaSets, TestCluster.Ns).Items.Count == 0 && cluster.Pods("app").Count == 0, "the ReplicaSet and pods to be collected");
    }

    // https://kubernetes.io/docs/concepts/architecture/garbage-collection/#orphaned-dependents
    [Fact]
    public async Task OrphanDeletion_KeepsTheDependents_WithoutTheOwnerReference()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("app", TestCluster.Ns, propagationPolicy: "Orphan");
        await Eventually.WaitAsync(() => cluster.Deployment("app") is null, "the orphaning owner to go");
        var replicaSet = Assert.Single(cluster.Store.List(ResourceType.ReplicaSets, TestCluster.Ns).Items);
        Assert.Null(replicaSet["metadata"]!["ownerReferences"]);
    }

    // https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion: the owner stays,
    // deleting, until its blocking dependents are gone; a dependent's finalizer therefore holds the owner too.
    [Fact]
    public async Task ForegroundDeletion_WaitsForBlockingDependents()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        var replicaSet = cluster.Store.List(ResourceType.ReplicaSets, TestCluster.Ns).Items.Single();
        var rsName = replicaSet["metadata"]!["name"]!.GetValue<string>();
        cluster.Patch(ResourceType.ReplicaSets, rsName, static r =>
        {
            r["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
            r["metadata"]!["ownerReferences"]![0]!["blockOwnerDeletion"] = true;
            return true;
        });

        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("app", TestCluster.Ns, propagationPolicy: "Foreground");
        await Eventually.WaitAsync(() => cluster.Get(ResourceType.ReplicaSets, rsName)?["metadata"]?["deletionTimestamp"] is not null, "the dependent to be deleted first");
        var owner = cluster.Deployment("app")!;
        Assert.Contains("foregroundDeletion", owner["metadata"]!["finalizers"]!.AsArray().Select(static f => f!.GetValue<string>()));

        cluster.Patch(ResourceType.ReplicaSets, rsName, static r => ((JsonObject)r["metadata"]!).Remove("finalizers"));
        await Eventually.WaitAsync(() => cluster.Deployment("app") is null && cluster.Get(ResourceType.ReplicaSets, rsName) is null, "the owner to go after its blocking dependent");
    }

    [Fact]
    public async Task PausedDeployment_KeepsItsReplicaSet_UnpausedRollsToTheNewTemplate()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        cluster.Patch(ResourceType.Deployments, "app", static d =>
        {
            d["spec"]!["paused"] = true;
            return true;
        });
        await cluster.SetImageAsync("app", "example/app:v2");

        // Positive evidence the simulated controller has seen the new template: it reports the generation it observed.
        await Eventually.WaitAsync(
            () => cluster.Deployment("app") is { } d && JsonNumbers.ReadLong(d["status"]?["observedGeneration"]) == JsonNumbers.ReadLong(d["metadata"]?["generation"]),
            "the paused Deployment's new generation to be observed");
        Assert.All(cluster.Pods("app"), static p => Assert.Equal("example/app:v1", p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
        Assert.Single(cluster.Store.List(ResourceType.ReplicaSets, TestCluster.Ns).Items);

        cluster.Patch(ResourceType.Deployments, "app", static d =>
        {
            d["spec"]!["paused"] = false;
            return true;
        });
        await Eventually.WaitAsync(
            () => cluster.Pods("app") is { Count: 2 } pods && pods.All(static p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "example/app:v2"),
            "the new template to roll out");
    }

    [Fact]
    public async Task Watch_ResumesFromAResourceVersion_AndReportsGoneAfterCompaction()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply(TestCluster.SeedStyleRollout("r", "app"));
        var version = cluster.Store.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        cluster.Patch(ResourceType.Rollouts, "r", static r =>
        {
            r["spec"]!["disabled"] = true;
            return true;
        });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<WatchEventType>();
        await foreach (var (type, _) in cluster.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            "rollouts.kruise.io", "v1alpha1", TestCluster.Ns, "rollouts", resourceVersion: version, timeoutSeconds: 1, cancellationToken: timeout.Token))
        {
            seen.Add(type);
        }

        Assert.Equal([WatchEventType.Modified], seen);

        cluster.Store.CompactHistory();
        Exception? error = null;
        await foreach (var _ in cluster.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            "rollouts.kruise.io", "v1alpha1", TestCluster.Ns, "rollouts", resourceVersion: version, timeoutSeconds: 1, onError: e => error = e, cancellationToken: timeout.Token))
        {
        }

        var gone = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, gone.Status.Code);
    }

    [Fact]
    public async Task JsonPatch_AndStrategicMerge_AreApplied()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        var client = cluster.Client;

        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]""", V1Patch.PatchType.JsonPatch),
            "app", TestCluster.Ns);
        var patched = cluster.Deployment("app")!;
        Assert.Equal(3, JsonNumbers.ReadInt(patched["spec"]!["replicas"]));
        Assert.Equal("b", patched["metadata"]!["labels"]!["a"]!.GetValue<string>());

        var failed = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""[{"op":"test","path":"/spec/replicas","value":1}]""", V1Patch.PatchType.JsonPatch), "app", TestCluster.Ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failed.Response.StatusCode);

        // Strategic merge: containers merge by name instead of replacing the list, in the patch's order
        // (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"example/sidecar:v1"},{"name":"main","image":"example/app:v2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            "app", TestCluster.Ns);
        var containers = cluster.Deployment("app")!["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["sidecar:example/sidecar:v1", "main:example/app:v2"], containers.Select(static c => c!["name"] + ":" + c["image"]));
    }

    [Fact]
    public async Task Services_GetAClusterIp_NoOtherServiceMayClaim_ThatNeverChanges()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var web = await client.CoreV1.CreateNamespacedServiceAsync(Service("web", null), TestCluster.Ns);
        Assert.Matches(@"^10\.96\.\d+\.\d+$", web.Spec.ClusterIP);
        Assert.Equal([web.Spec.ClusterIP], web.Spec.ClusterIPs);

        var taken = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedServiceAsync(Service("copy", web.Spec.ClusterIP), TestCluster.Ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, taken.Response.StatusCode);
        Assert.Contains("provided IP is already allocated", taken.Response.Content, StringComparison.Ordinal);

        var moved = Service("web", "10.96.9.9");
        moved.Metadata.ResourceVersion = web.Metadata.ResourceVersion;
        var immutable = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedServiceAsync(moved, "web", TestCluster.Ns));
        Assert.Contains("field is immutable", immutable.Response.Content, StringComparison.Ordinal);

        // An update that leaves the IP out keeps it, as the API server does.
        var relabelled = await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("""{"spec":{"selector":{"app":"web","tier":"front"}}}""", V1Patch.PatchType.MergePatch), "web", TestCluster.Ns);
        Assert.Equal(web.Spec.ClusterIP, relabelled.Spec.ClusterIP);
    }

    [Fact]
    public async Task ConfigMapsIngressesAndEvents_AreValidatedAsTheApiServerDoes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;

        var badKey = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "rules" }, Data = new Dictionary<string, string> { ["a/b.json"] = "{}" } }, TestCluster.Ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badKey.Response.StatusCode);
        Assert.Contains("a valid config key must consist of alphanumeric characters", badKey.Response.Content, StringComparison.Ordinal);

        var noPathType = await Assert.ThrowsAsync<HttpOperationException>(() => client.NetworkingV1.CreateNamespacedIngressAsync(KubernetesJson.Deserialize<V1Ingress>("""
            {"metadata":{"name":"web"},"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}
            """), TestCluster.Ns));
        Assert.Contains("spec.rules[0].http.paths[0].pathType: Required value", noPathType.Response.Content, StringComparison.Ordinal);

        var elsewhere = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event { Metadata = new V1ObjectMeta { Name = "e1" }, InvolvedObject = new V1ObjectReference { Kind = "Rollout", Name = "r", NamespaceProperty = "other" }, Reason = "X", Message = "m", Type = "Normal" },
            TestCluster.Ns));
        Assert.Contains("does not match event.namespace", elsewhere.Response.Content, StringComparison.Ordinal);
        await client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event { Metadata = new V1ObjectMeta { Name = "e2" }, InvolvedObject = new V1ObjectReference { Kind = "Rollout", Name = "r", NamespaceProperty = TestCluster.Ns }, Reason = "X", Message = "m", Type = "Normal" },
            TestCluster.Ns);
        Assert.Single(cluster.Events("r"));
    }

    [Fact]
    public async Task AForbiddenWrite_AnswersWithRbacsStatus()
    {
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            BeforeWrite = static (write, _) =>
            {
                if (write.Key.Type == ResourceType.ConfigMaps)
                {
                    throw ApiException.Forbidden(write.Verb, write.Key);
                }
            },
        });
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "rules" } }, TestCluster.Ns));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains("configmaps \"rules\" is forbidden: User \"system:serviceaccount:lanes-system:lanes-rollout-controller\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\"", JsonNode.Parse(refused.Response.Content)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static V1Service Service(string name, string? clusterIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            ClusterIP = clusterIp,
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Port = 80 }],
        },
    };
}
