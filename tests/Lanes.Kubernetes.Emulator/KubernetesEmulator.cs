using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// An in-process Kubernetes API server on loopback (real Kestrel, port 0) that the real KubernetesClient talks to.
/// </summary>
public sealed class KubernetesEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiRequestHandler _handler;
    private readonly DeploymentSimulator _simulator;
    private readonly GarbageCollector _garbageCollector;

    private KubernetesEmulator(WebApplication app, ApiRequestHandler handler, ResourceStore store, EmulatorOptions options, Uri baseAddress)
    {
        _app = app;
        _handler = handler;
        Store = store;
        Options = options;
        BaseAddress = baseAddress;
        _simulator = new DeploymentSimulator(store, options);
        _garbageCollector = new GarbageCollector(store, options);
    }

    /// <summary>Where the API server listens, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public ResourceStore Store { get; }

    public EmulatorOptions Options { get; }

    public static async Task<KubernetesEmulator> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        var store = new ResourceStore(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.Port}"));

        // Disposing the emulator ends the cluster: a client that opened a watch after the watches were dropped must not
        // hold the stop for the host's default 30 s.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(static o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var handler = new ApiRequestHandler(store, options);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KubernetesEmulator(app, handler, store, options, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>
    /// While true the API server is down: open watches break and every request's connection is reset, until set
    /// back to false. Stored objects and the simulated controllers are unaffected.
    /// </summary>
    public bool Unavailable
    {
        get => _handler.Unavailable;
        set => _handler.Unavailable = value;
    }

    /// <summary>
    /// Applies every object of a multi-document YAML manifest in order, as <c>kubectl apply -f</c> would: a kind is
    /// only known once its CRD was applied (earlier in the same manifest counts); cluster-scoped kinds ignore <paramref name="ns"/>.
    /// </summary>
    public IReadOnlyList<JsonObject> ApplyManifests(string yaml, string ns = "default")
    {
        var applied = new List<JsonObject>();
        foreach (var (_, obj) in YamlManifests.Read(yaml))
        {
            var definition = Resolve(obj);
            applied.Add(Apply(definition.Type, obj, definition.Namespaced ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? ns : ""));
        }

        return applied;
    }

    /// <summary>
    /// Installs the CustomResourceDefinitions the tests need, as a cluster operator would before the controller
    /// starts: this repository's <c>deploy/crd-*.yaml</c> and the Gateway API HTTPRoute stand-in (copied beside this assembly).
    /// </summary>
    public void InstallCrds() => InstallCrds(Path.Combine(AppContext.BaseDirectory, "crds"));

    /// <summary>Applies every <c>crd-*.yaml</c> file of <paramref name="directory"/>.</summary>
    public void InstallCrds(string directory)
    {
        foreach (var file in Directory.GetFiles(directory, "crd-*.yaml").Order(StringComparer.Ordinal))
        {
            ApplyManifests(File.ReadAllText(file));
        }
    }

    // What kubectl's REST mapping does with apiVersion and kind: an unknown kind is an error naming the CRD it needs.
    private ResourceDefinition Resolve(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? "";
        var kind = obj["kind"]?.GetValue<string>() ?? "";
        return Store.Catalog.FindKind(apiVersion, kind) ?? throw new ApiException(System.Net.HttpStatusCode.NotFound, "NotFound",
            $"no matches for kind \"{kind}\" in version \"{apiVersion}\"; ensure CRDs are installed first");
    }

    /// <summary>
    /// A kubeconfig for this emulator: a client using it connects over loopback, in <paramref name="ns"/>, as the
    /// user <paramref name="token"/> names (see <see cref="EmulatorOptions.EnforceRbac"/>).
    /// </summary>
    public string KubeConfig(string ns = "default", string? token = null) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: emulator
          cluster:
            server: {BaseAddress.ToString().TrimEnd('/')}
        users:
        - name: emulator-user
          user:
            token: "{token ?? ""}"
        contexts:
        - name: emulator
          context:
            cluster: emulator
            user: emulator-user
            namespace: {ns}
        current-context: emulator
        """;

    /// <summary>Creates an object from YAML-equivalent JSON; the namespace defaults to <c>default</c>.</summary>
    public JsonObject Apply(ResourceType type, JsonObject obj, string ns = "default")
    {
        if (Store.Catalog.Find(type) is { Namespaced: false })
        {
            ns = "";
        }

        var name = obj["metadata"]?["name"]?.GetValue<string>();
        var existing = name is null ? null : Store.Get(new StoredObjectKey(type, ns, name));
        if (existing is null)
        {
            return Store.Create(type, ns, obj);
        }

        var next = (JsonObject)obj.DeepClone();
        var metadata = next["metadata"] as JsonObject ?? [];
        next["metadata"] = metadata;
        metadata.Remove("resourceVersion");

        // Like kubectl apply: fields the manifest does not mention (paused, labels others added) survive.
        var merged = (JsonObject)JsonPatching.MergePatch(existing.DeepClone(), next)!;
        merged["metadata"]!["resourceVersion"] = null;
        ((JsonObject)merged["metadata"]!).Remove("resourceVersion");
        return Store.Update(new StoredObjectKey(type, ns, name!), merged, statusOnly: false);
    }

    public async ValueTask DisposeAsync()
    {
        _handler.Unavailable = false;
        Store.DropWatches();
        await _garbageCollector.DisposeAsync().ConfigureAwait(false);
        await _simulator.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
