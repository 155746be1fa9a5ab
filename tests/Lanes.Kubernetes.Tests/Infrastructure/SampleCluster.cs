using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using k8s;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>
/// The emulator with RBAC on and real sample processes for pods, loaded with the samples' Kubernetes manifests:
/// what <c>kubectl apply -f samples/kubernetes/</c> gives on a cluster, on loopback.
/// </summary>
internal sealed class SampleCluster : IAsyncDisposable
{
    public const string Ns = "default";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private SampleCluster(KubernetesEmulator emulator, SampleRuntime runtime)
    {
        Emulator = emulator;
        Runtime = runtime;
    }

    public KubernetesEmulator Emulator { get; }

    public SampleRuntime Runtime { get; }

    public ResourceStore Store => Emulator.Store;

    /// <summary>Starts the emulator and applies <c>samples/kubernetes/rbac.yaml</c> and <c>lanes-demo.yaml</c>, waiting for every pod.</summary>
    public static async Task<SampleCluster> StartAsync()
    {
        var runtime = new SampleRuntime();
        var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { PodRuntime = runtime, EnforceRbac = true });
        emulator.InstallCrds();
        runtime.Attach(emulator);
        var cluster = new SampleCluster(emulator, runtime);
        try
        {
            cluster.ApplySample("rbac.yaml");
            cluster.ApplySample("lanes-demo.yaml");
            cluster.OpenGrayLaneForXiaoming();
            foreach (var app in new[] { "sample-a", "sample-b", "sample-c", "lanes-gateway" })
            {
                await cluster.WaitForReadyPodsAsync(app, app == "lanes-gateway" ? 1 : 2);
            }

            // Ready pods have not necessarily listed their namespace yet (each does on its first call): wait for an answer.
            await Eventually.WaitAsync(() => cluster.TryAsk(), "the chain to answer", TimeSpan.FromSeconds(120), cluster.Describe);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// The seed's entry rule (<c>User-Agent: xiaoming</c> gets <c>x-mse-tag: gray</c>) as a strategy file of its own in the
    /// gateway's rules ConfigMap, beside the key the rollout controller writes during a release, so gray requests
    /// exist whether or not a release runs: these tests judge discovery, not the controller's entry rule.
    /// </summary>
    public void OpenGrayLaneForXiaoming() => Emulator.ApplyManifests(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: lanes-entry-lanes-gateway
        data:
          xiaoming.json: '{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}'
        """,
        Ns);

    public void ApplySample(string file) => Emulator.ApplyManifests(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", file)), Ns);

    public IReadOnlyList<JsonObject> Pods(string app) => Store.List(ResourceType.Pods, Ns, LabelSelector.Parse("app=" + app)).Items;

    public static string Ip(JsonObject pod) => pod["status"]?["podIP"]?.GetValue<string>() ?? "";

    public static string Name(JsonObject pod) => pod["metadata"]!["name"]!.GetValue<string>();

    public static bool IsGray(JsonObject pod) => pod["metadata"]?["labels"]?["alicloud.service.tag"] is not null;

    public static bool IsReady(JsonObject pod) =>
        pod["metadata"]?["deletionTimestamp"] is null && pod["status"]?["conditions"] is JsonArray c && c.Any(static x => x?["status"]?.GetValue<string>() == "True");

    public Task WaitForReadyPodsAsync(string app, int count, Func<JsonObject, bool>? which = null) =>
        Eventually.WaitAsync(
            () => Pods(app).Count(p => IsReady(p) && (which?.Invoke(p) ?? true)) == count,
            $"{count} ready pods of {app}",
            TimeSpan.FromSeconds(90),
            Describe);

    /// <summary>Asks the gateway pod for <c>/a</c>, base or as xiaoming (the seed's gray user); the answer names every hop.</summary>
    public async Task<(int Status, string Body)> AskAsync(bool gray, CancellationToken cancellationToken = default)
    {
        // The test stands where a load balancer would: it calls the gateway pod directly.
        var gateway = Pods("lanes-gateway").First(static p => p["metadata"]?["deletionTimestamp"] is null && Ip(p).Length > 0);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Ip(gateway)}:8080/a");
        if (gray)
        {
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("xiaoming", null));
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private bool TryAsk()
    {
        try
        {
            return AskAsync(gray: false).GetAwaiter().GetResult().Status == 200;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The hop of <paramref name="name"/> in an answer, for example <c>Cgray[127.0.0.9:8080]</c>.</summary>
    public static string Hop(string name, JsonObject pod) => $"{name}[{Ip(pod)}:8080]";

    /// <summary>A canary Deployment of <paramref name="app"/> as the rollout controller makes one: the stable template plus the gray labels.</summary>
    public void CreateGrayDeployment(string app, int replicas, int preStopSleepSeconds = 0)
    {
        var stable = Store.Get(new StoredObjectKey(ResourceType.Deployments, Ns, app))!;
        var template = (JsonObject)stable["spec"]!["template"]!.DeepClone();
        var labels = (JsonObject)template["metadata"]!["labels"]!;
        labels["alicloud.service.tag"] = "gray";
        labels["opensergo.io/canary-gray"] = "gray";
        if (preStopSleepSeconds > 0)
        {
            template["spec"]!["containers"]![0]!["lifecycle"] = new JsonObject { ["preStop"] = new JsonObject { ["sleep"] = new JsonObject { ["seconds"] = preStopSleepSeconds } } };
        }

        Emulator.Apply(ResourceType.Deployments, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = app + "-gray" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app, ["alicloud.service.tag"] = "gray" } },
                ["template"] = template,
            },
        }, Ns);
    }

    /// <summary>Whether <paramref name="app"/> has a ready gray pod (an answer that misses it is a misroute).</summary>
    public bool HasGray(string app) => Pods(app).Any(static p => IsGray(p) && IsReady(p));

    /// <summary>A client with every right, as a cluster administrator's kubectl.</summary>
    public IKubernetes AdminClient => _admin ??= new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Emulator.BaseAddress.ToString(), AccessToken = "system:admin" });

    private IKubernetes? _admin;

    /// <summary>Starts the rollout controller (the same registration as its Program.cs) with administrator rights.</summary>
    public async Task<IHost> StartControllerAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:LeaderElection:Enabled"] = "false",
            ["Lanes:RolloutController:RetryDelay"] = "00:00:00.200",
            ["Lanes:RolloutController:WatchRetryDelay"] = "00:00:00.100",

            // Its webhooks, as in the cluster: the Rollout CRD converts through the controller's conversion webhook,
            // so without them no v1alpha1 Rollout could be read in v1beta1.
            ["Lanes:RolloutController:Webhooks:LocalUrl"] = "https://127.0.0.1:0",
        });
        builder.Services.AddSingleton(_ => AdminClient);
        builder.Services.AddLanesRolloutController(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<Lanes.RolloutController.Webhooks.WebhookServer>().Registered.WaitAsync(TimeSpan.FromMinutes(1));
        return host;
    }

    public void Scale(string deployment, int replicas) =>
        Store.Mutate(new StoredObjectKey(ResourceType.Deployments, Ns, deployment), d =>
        {
            d["spec"]!["replicas"] = replicas;
            return true;
        });

    public string Describe() =>
        string.Join(Environment.NewLine, Store.List(ResourceType.Pods, Ns).Items.Select(static p => $"{Name(p)} {Ip(p)} ready={IsReady(p)} deleting={p["metadata"]?["deletionTimestamp"] is not null}"))
        + Environment.NewLine + Runtime.Describe();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _admin?.Dispose();
        await Emulator.DisposeAsync();
        Runtime.Dispose();
    }
}
