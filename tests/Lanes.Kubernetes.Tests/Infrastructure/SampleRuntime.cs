using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>
/// Runs the sample images as real processes, one per pod, the way a node would: each listens on its pod's own
/// address (127.0.x.y) and the container port, gets the container's environment (downward API fields resolved),
/// its labels file where the downward API volume would put it, and a kubeconfig standing in for its service
/// account token; readiness is its readiness probe; deletion sends SIGTERM after any preStop sleep.
/// </summary>
internal sealed class SampleRuntime : IPodRuntime, IDisposable
{
    private static readonly string s_servicePath = Metadata("Lanes.Kubernetes.Tests.ServicePath");
    private static readonly string s_gatewayPath = Metadata("Lanes.Kubernetes.Tests.GatewayPath");

    private readonly ConcurrentDictionary<string, PodProcess> _processes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<MountedConfigMap>> _configMaps = new(StringComparer.Ordinal);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lanes-kubernetes-tests", Guid.NewGuid().ToString("N"));
    private KubernetesEmulator? _emulator;

    public void Attach(KubernetesEmulator emulator)
    {
        _emulator = emulator;
        emulator.Store.Changed += OnStoreChanged;
    }

    /// <summary>The running process of a pod, by pod name.</summary>
    public PodProcess? Process(string podName) => _processes.Values.FirstOrDefault(p => p.Name == podName);

    public IEnumerable<PodProcess> Processes => _processes.Values;

    public void Start(JsonObject pod)
    {
        var container = pod["spec"]?["containers"]?[0] as JsonObject;
        var image = container?["image"]?.GetValue<string>() ?? "";
        var repository = image.Split(':')[0];
        var assembly = repository switch
        {
            "lanes-samples-service" => s_servicePath,
            "lanes-samples-gateway" => s_gatewayPath,
            _ => null,   // an image this node cannot run never turns ready
        };
        if (assembly is null || _emulator is null)
        {
            return;
        }

        var name = Field(pod, "metadata.name");
        var ns = Field(pod, "metadata.namespace");
        var ip = Field(pod, "status.podIP");
        var port = JsonNumbers.ReadInt(container!["ports"]?[0]?["containerPort"]) ?? 8080;
        var directory = Directory.CreateDirectory(Path.Combine(_root, ns, name)).FullName;

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container["env"] as JsonArray ?? [])
        {
            var key = variable?["name"]?.GetValue<string>();
            var value = variable?["value"]?.ToString() ?? (variable?["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>() is { } path ? Field(pod, path) : null);
            if (key is not null && value is not null)
            {
                environment[key] = value;
            }
        }

        // The downward API volume: where the pod would read its labels, this process reads them.
        foreach (var mount in container["volumeMounts"] as JsonArray ?? [])
        {
            var volume = (pod["spec"]?["volumes"] as JsonArray ?? []).FirstOrDefault(v => v?["name"]?.GetValue<string>() == mount?["name"]?.GetValue<string>());
            foreach (var item in volume?["downwardAPI"]?["items"] as JsonArray ?? [])
            {
                if (item?["fieldRef"]?["fieldPath"]?.GetValue<string>() == "metadata.labels")
                {
                    var file = Path.Combine(directory, "podinfo-" + item["path"]!.GetValue<string>());
                    File.WriteAllText(file, LabelsFile(pod));
                    if ($"{mount!["mountPath"]!.GetValue<string>().TrimEnd('/')}/{item["path"]!.GetValue<string>()}" == LanesOptions.DefaultPodLabelsPath)
                    {
                        environment["Lanes__PodLabelsPath"] = file;
                    }
                }
            }
        }

        // ConfigMap volumes, kept in step with their ConfigMap as the kubelet does; paths under the mount in the
        // environment point at the materialised directory.
        var configMaps = new List<MountedConfigMap>();
        foreach (var mount in container["volumeMounts"] as JsonArray ?? [])
        {
            var volume = (pod["spec"]?["volumes"] as JsonArray ?? []).FirstOrDefault(v => v?["name"]?.GetValue<string>() == mount?["name"]?.GetValue<string>());
            if (volume?["configMap"]?["name"]?.GetValue<string>() is not { } configMapName)
            {
                continue;
            }

            var mounted = new MountedConfigMap(new StoredObjectKey(ResourceType.ConfigMaps, ns, configMapName), new ConfigMapVolume());
            mounted.Volume.Sync(_emulator.Store.Get(mounted.Key));
            configMaps.Add(mounted);
            var mountPath = mount!["mountPath"]!.GetValue<string>().TrimEnd('/');
            foreach (var (key, value) in environment.ToArray())
            {
                if (value == mountPath || value.StartsWith(mountPath + "/", StringComparison.Ordinal))
                {
                    environment[key] = mounted.Volume.Directory + value[mountPath.Length..];
                }
            }
        }

        _configMaps[Field(pod, "metadata.uid")] = configMaps;

        // The service account's token: the emulator takes the token as the user name.
        var serviceAccount = pod["spec"]?["serviceAccountName"]?.GetValue<string>() ?? "default";
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(kubeconfig, _emulator.KubeConfig(ns, $"system:serviceaccount:{ns}:{serviceAccount}"));
        environment["KUBECONFIG"] = kubeconfig;

        var readiness = container["readinessProbe"] as JsonObject;
        var probe = readiness?["httpGet"]?["path"]?.GetValue<string>() ?? "/healthz";
        var timing = new PodProcess.Probe(
            TimeSpan.FromSeconds(JsonNumbers.ReadInt(readiness?["timeoutSeconds"]) ?? 1),
            TimeSpan.FromSeconds(Math.Min(JsonNumbers.ReadInt(readiness?["periodSeconds"]) ?? 10, 2)),
            JsonNumbers.ReadInt(readiness?["failureThreshold"]) ?? 3);
        var address = $"http://{ip}:{port.ToString(CultureInfo.InvariantCulture)}";
        string[] args = ["--urls", address, "--Logging:LogLevel:Default=Warning", "--Logging:Console:TimestampFormat=HH:mm:ss.fff "];
        _processes[Field(pod, "metadata.uid")] = PodProcess.Start(name, assembly, args, environment, new Uri(address + probe), timing);
    }

    public bool IsReady(JsonObject pod) => _processes.TryGetValue(Field(pod, "metadata.uid"), out var process) && process.Ready;

    public bool TryStop(JsonObject pod, bool graceExpired)
    {
        var uid = Field(pod, "metadata.uid");
        if (!_processes.TryGetValue(uid, out var process))
        {
            return true;
        }

        var preStop = JsonNumbers.ReadInt(pod["spec"]?["containers"]?[0]?["lifecycle"]?["preStop"]?["sleep"]?["seconds"]) ?? 0;
        if (!process.TryStop(TimeSpan.FromSeconds(preStop), graceExpired))
        {
            return false;
        }

        if (_processes.TryRemove(uid, out _))
        {
            process.Dispose();
        }

        ReleaseConfigMaps(uid);

        return true;
    }

    public string Describe() => string.Join(
        Environment.NewLine,
        _processes.Values.Select(static p => $"--- {p.Name} (ready {p.Ready}, exited {p.HasExited}){Environment.NewLine}{p.RecentOutput()}"));

    public void Dispose()
    {
        if (_emulator is not null)
        {
            _emulator.Store.Changed -= OnStoreChanged;
        }

        Parallel.ForEach(_processes.Values, static p => p.Dispose());
        _processes.Clear();
        foreach (var uid in _configMaps.Keys)
        {
            ReleaseConfigMaps(uid);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    private void OnStoreChanged(WatchEvent change)
    {
        if (change.Key.Type != ResourceType.ConfigMaps)
        {
            return;
        }

        foreach (var mounts in _configMaps.Values)
        {
            foreach (var mounted in mounts)
            {
                if (mounted.Key == change.Key)
                {
                    mounted.Volume.Sync(change.Type == "DELETED" ? null : change.Object);
                }
            }
        }
    }

    private void ReleaseConfigMaps(string uid)
    {
        if (_configMaps.TryRemove(uid, out var mounts))
        {
            foreach (var mounted in mounts)
            {
                mounted.Volume.Dispose();
            }
        }
    }

    private static string Field(JsonObject pod, string path) => path switch
    {
        "metadata.name" => pod["metadata"]?["name"]?.GetValue<string>() ?? "",
        "metadata.namespace" => pod["metadata"]?["namespace"]?.GetValue<string>() ?? "",
        "metadata.uid" => pod["metadata"]?["uid"]?.GetValue<string>() ?? "",
        "status.podIP" => pod["status"]?["podIP"]?.GetValue<string>() ?? "",
        "spec.serviceAccountName" => pod["spec"]?["serviceAccountName"]?.GetValue<string>() ?? "default",
        _ => throw new NotSupportedException("fieldRef " + path + " is not emulated"),
    };

    // The downward API's format: key="value" per line, values quoted as Go's %q does.
    private static string LabelsFile(JsonObject pod)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in pod["metadata"]?["labels"] as JsonObject ?? [])
        {
            builder.Append(key).Append("=\"").Append(value?.GetValue<string>().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        }

        return builder.ToString();
    }

    private static string Metadata(string key) =>
        typeof(SampleRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private sealed record MountedConfigMap(StoredObjectKey Key, ConfigMapVolume Volume);
}
