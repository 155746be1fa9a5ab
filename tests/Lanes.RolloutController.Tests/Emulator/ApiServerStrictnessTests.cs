using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Microsoft.Extensions.Time.Testing;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// The emulator answers as strictly as the API server, each rule as the Kubernetes documentation states it (cited
/// per test), over plain HTTP as any client would send it.
/// </summary>
public sealed class ApiServerStrictnessTests
{
    private const string Rollouts = "apis/rollouts.kruise.io/v1beta1/namespaces/default/rollouts";

    private const string Rollout = """
        {"apiVersion":"rollouts.kruise.io/v1beta1","kind":"Rollout","metadata":{"name":"r"},
         "spec":{"workloadRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"app"},"unknownField":1},
         "status":{"phase":"Healthy"}}
        """;

    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#create-a-customresourcedefinition
    /// <summary>
    /// A patch without a resourceVersion never answers 409: when another write lands between its read and its store,
    /// the API server runs the update again on the newest object, admission included
    /// (https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply; the mutating phase of
    /// https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/ is part of every
    /// attempt). What the mutating webhook added must survive the retry.
    /// </summary>
    [Fact]
    public async Task APatchThatRacesAnotherWrite_IsAdmittedAgain_KeepingTheMutatingWebhooksChanges()
    {
        var race = 0;
        StoredObjectKey? app = null;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            BeforeWrite = (write, store) =>
            {
                // Once, as the user's patch is admitted: another writer's label lands first.
                if (write.Verb == "patch" && write.Key == app && Interlocked.Exchange(ref race, 0) == 1)
                {
                    store.Mutate(write.Key, static d =>
                    {
                        d["metadata"]!["labels"]!["racer"] = "was-here";
                        return true;
                    });
                }
            },
        });
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.WaitForIdleAsync("app");
        app = new StoredObjectKey(ResourceType.Deployments, TestCluster.Ns, "app");

        Volatile.Write(ref race, 1);
        await cluster.SetImageAsync("app", "example/app:v2");

        var stored = cluster.Deployment("app")!;
        Assert.Equal(0, Volatile.Read(ref race));
        Assert.Equal("was-here", stored["metadata"]!["labels"]!["racer"]!.GetValue<string>());
        Assert.Equal("example/app:v2", TestCluster.Image(stored));
        Assert.True(stored["spec"]!["paused"]!.GetValue<bool>(), stored.ToJsonString());
        Assert.NotNull(stored["metadata"]!["annotations"]![Lanes.RolloutController.Api.KruiseNames.InProgressingAnnotation]);
    }

    [Fact]
    public async Task ACustomResource_IsServedOnlyOnceItsCrdExists_AndDiscoveryListsIt()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(Rollouts)).StatusCode);
        Assert.DoesNotContain("rollouts.kruise.io", await http.GetStringAsync("apis"), StringComparison.Ordinal);

        emulator.InstallCrds();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Rollouts)).StatusCode);
        var group = JsonNode.Parse(await http.GetStringAsync("apis/rollouts.kruise.io"))!;
        Assert.Equal("rollouts.kruise.io/v1beta1", group["preferredVersion"]!["groupVersion"]!.GetValue<string>());   // version priority: beta before alpha
        var resources = JsonNode.Parse(await http.GetStringAsync("apis/rollouts.kruise.io/v1alpha1"))!["resources"]!.AsArray();
        Assert.Contains(resources, static r => r!["name"]!.GetValue<string>() == "rollouts/status");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("apis/rollouts.kruise.io/v2/namespaces/default/rollouts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("apis/rollouts.kruise.io/v1beta1/namespaces/default/rollouts/r/scale")).StatusCode);
    }

    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning
    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#defaulting
    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#status-subresource
    [Fact]
    public async Task Create_PrunesUnknownFields_AppliesDefaults_AndIgnoresStatus()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.InstallCrds();
        using var http = Client(emulator);

        var created = await SendAsync(http, HttpMethod.Post, Rollouts, Rollout, HttpStatusCode.Created);
        Assert.Null(created["status"]);
        Assert.False(created["spec"]!["disabled"]!.GetValue<bool>());
        Assert.Equal("app", created["spec"]!["workloadRef"]!["name"]!.GetValue<string>());

        // spec keeps unknown fields (x-kubernetes-preserve-unknown-fields); an unknown top-level field is pruned.
        var withTopLevel = Rollout.Replace("\"metadata\":{\"name\":\"r\"}", "\"metadata\":{\"name\":\"r2\"},\"extra\":true", StringComparison.Ordinal);
        Assert.Null((await SendAsync(http, HttpMethod.Post, Rollouts, withTopLevel, HttpStatusCode.Created))["extra"]);

        // An update of the main resource leaves status alone; only /status writes it.
        created["status"] = new JsonObject { ["phase"] = "Broken" };
        var updated = await SendAsync(http, HttpMethod.Put, Rollouts + "/r", created.ToJsonString(), HttpStatusCode.OK);
        Assert.Null(updated["status"]);
        updated["status"] = new JsonObject { ["phase"] = "Healthy" };
        updated["spec"]!["disabled"] = true;
        var status = await SendAsync(http, HttpMethod.Put, Rollouts + "/r/status", updated.ToJsonString(), HttpStatusCode.OK);
        Assert.Equal("Healthy", status["status"]!["phase"]!.GetValue<string>());
        Assert.False(status["spec"]!["disabled"]!.GetValue<bool>());
    }

    // Custom resources refuse unconditional updates: the apiextensions strategy's AllowUnconditionalUpdate is false
    // (k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go), so a PUT must carry the
    // resourceVersion it read (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions).
    // Built-in types such as ConfigMaps allow it (their strategies return true): a PUT without one overwrites.
    [Fact]
    public async Task PutWithoutResourceVersion_IsRefusedForCustomResources_AndUnconditionalForBuiltIns()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.InstallCrds();
        using var http = Client(emulator);
        var created = await SendAsync(http, HttpMethod.Post, Rollouts, Rollout, HttpStatusCode.Created);
        ((JsonObject)created["metadata"]!).Remove("resourceVersion");
        var refused = await SendAsync(http, HttpMethod.Put, Rollouts + "/r", created.ToJsonString(), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", refused["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", """{"metadata":{"name":"c"},"data":{"a":"1"}}""", HttpStatusCode.Created);
        var overwritten = await SendAsync(http, HttpMethod.Put, "api/v1/namespaces/default/configmaps/c", """{"metadata":{"name":"c"},"data":{"a":"2"}}""", HttpStatusCode.OK);
        Assert.Equal("2", overwritten["data"]!["a"]!.GetValue<string>());
    }

    // https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/: once deletion started, finalizers
    // may only be removed; the API server refuses new ones (422).
    [Fact]
    public async Task ADeletingObject_TakesNoNewFinalizers()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        const string Path = "api/v1/namespaces/default/configmaps";
        await SendAsync(http, HttpMethod.Post, Path, """{"metadata":{"name":"c","finalizers":["example.com/a"]}}""", HttpStatusCode.Created);
        var deleting = await SendAsync(http, HttpMethod.Delete, Path + "/c", null, HttpStatusCode.OK);
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);

        var refused = await SendAsync(http, HttpMethod.Patch, Path + "/c", """{"metadata":{"finalizers":["example.com/a","example.com/b"]}}""", HttpStatusCode.UnprocessableEntity, "application/merge-patch+json");
        Assert.Contains("no new finalizers can be added if the object is being deleted", refused["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await SendAsync(http, HttpMethod.Patch, Path + "/c", """{"metadata":{"finalizers":null}}""", HttpStatusCode.OK, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(Path + "/c")).StatusCode);
    }

    // https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch:
    // strategic merge patch is not supported for custom resources (415).
    [Fact]
    public async Task StrategicMergePatch_OfACustomResource_Is415()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.InstallCrds();
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, Rollouts, Rollout, HttpStatusCode.Created);
        await SendAsync(http, HttpMethod.Patch, Rollouts + "/r", """{"spec":{"disabled":true}}""", HttpStatusCode.UnsupportedMediaType, "application/strategic-merge-patch+json");
    }

    // https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
    [Fact]
    public async Task AskedForATable_TheServerPrintsTheCrdsColumns()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.InstallCrds();
        using var http = Client(emulator);
        var created = await SendAsync(http, HttpMethod.Post, Rollouts, Rollout, HttpStatusCode.Created);
        created["status"] = new JsonObject { ["phase"] = "Progressing", ["currentStepIndex"] = 1, ["message"] = "step 1" };
        await SendAsync(http, HttpMethod.Put, Rollouts + "/r/status", created.ToJsonString(), HttpStatusCode.OK);

        using var request = new HttpRequestMessage(HttpMethod.Get, Rollouts);
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request);
        var table = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "STATUS", "CANARY_STEP", "CANARY_STATE", "MESSAGE", "AGE"], table["columnDefinitions"]!.AsArray().Select(static c => c!["name"]!.GetValue<string>()));
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("r", cells[0]!.GetValue<string>());
        Assert.Equal("Progressing", cells[1]!.GetValue<string>());
        Assert.Equal(1, cells[2]!.GetValue<int>());
        Assert.Null(cells[3]);
        Assert.Equal("step 1", cells[4]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    // https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks
    [Fact]
    public async Task AnIdleWatch_ThatAllowsBookmarks_GetsThem()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", """{"metadata":{"name":"c"}}""", HttpStatusCode.Created);
        var version = emulator.Store.CurrentResourceVersion;
        using var response = await http.GetAsync($"api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={version}&timeoutSeconds=30", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = JsonNode.Parse((await reader.ReadLineAsync(timeout.Token))!)!;
        Assert.Equal("BOOKMARK", line["type"]!.GetValue<string>());
        Assert.Equal("ConfigMap", line["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), line["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    // https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses: history is kept for a limited
    // time; a watch from a compacted resourceVersion ends with an ERROR event carrying 410 Expired.
    [Fact]
    public async Task AWatchFromBeforeTheRetainedHistory_Gets410()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { TimeProvider = time, HistoryRetention = TimeSpan.FromMinutes(5) });
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", """{"metadata":{"name":"old"}}""", HttpStatusCode.Created);
        var old = emulator.Store.CurrentResourceVersion - 1;
        time.Advance(TimeSpan.FromMinutes(6));
        await SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", """{"metadata":{"name":"new"}}""", HttpStatusCode.Created);

        var body = await http.GetStringAsync($"api/v1/namespaces/default/configmaps?watch=true&resourceVersion={old}&timeoutSeconds=5");
        var error = JsonNode.Parse(body.Split('\n')[0])!;
        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());
    }

    private static HttpClient Client(KubernetesEmulator emulator) => new() { BaseAddress = emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, string? body, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text) as JsonObject ?? [];
    }
}
