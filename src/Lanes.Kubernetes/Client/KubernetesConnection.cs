using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Options;

namespace Lanes.Kubernetes.Client;

/// <summary>
/// The KubernetesClient Lanes uses, built on first use: <see cref="KubernetesDiscoveryOptions.KubeConfigPath"/> when
/// set, else the pod's service account (in-cluster), else <c>KUBECONFIG</c> or <c>~/.kube/config</c>. Private to
/// Lanes: no application registration of <see cref="IKubernetes"/> is touched or used.
/// </summary>
internal sealed class KubernetesConnection : IDisposable
{
    private readonly Lazy<(IKubernetes Client, string Namespace, string Source)> _state;

    public KubernetesConnection(IOptions<KubernetesDiscoveryOptions> options)
    {
        var value = options.Value;
        _state = new(() => Connect(value), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <exception cref="InvalidOperationException">No configuration could be found or read.</exception>
    public IKubernetes Client => _state.Value.Client;

    /// <summary>The namespace of unqualified service names.</summary>
    public string Namespace => _state.Value.Namespace;

    /// <summary>Where the configuration came from, for logs.</summary>
    public string Source => _state.Value.Source;

    private static (IKubernetes, string, string) Connect(KubernetesDiscoveryOptions options)
    {
        string source;
        KubernetesClientConfiguration config;
        try
        {
            if (!string.IsNullOrEmpty(options.KubeConfigPath))
            {
                source = $"kubeconfig {options.KubeConfigPath}";
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.KubeConfigPath, NullIfEmpty(options.KubeConfigContext));
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                source = "the pod's service account";
                config = KubernetesClientConfiguration.InClusterConfig();
            }
            else if (KubeConfigFiles() is { Length: > 0 } files)
            {
                source = "kubeconfig " + string.Join(Path.PathSeparator, files.Select(static f => f.FullName));
                // Several files in KUBECONFIG are merged by the client itself (first occurrence wins), in their current context.
                config = files.Length == 1
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(files[0], NullIfEmpty(options.KubeConfigContext))
                    : KubernetesClientConfiguration.BuildDefaultConfig();
            }
            else
            {
                throw new InvalidOperationException(
                    "Lanes.Kubernetes runs outside a Kubernetes pod and found no kubeconfig: set Lanes:Kubernetes:KubeConfigPath or KUBECONFIG, " +
                    "or create ~/.kube/config.");
            }
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"Lanes.Kubernetes could not read its Kubernetes client configuration: {e.Message}", e);
        }

        var ns = !string.IsNullOrEmpty(options.Namespace) ? options.Namespace
            : !string.IsNullOrWhiteSpace(config.Namespace) ? config.Namespace.Trim()
            : "default";
        // A watch stopped early (a resync, shutdown) leaves its response unread; HttpClient would drain it and put the
        // HTTP/1.1 connection back while KubernetesClient's watch reader may still read it, and the next request on it
        // could lose its answer. The stopped watch's connection is closed instead; every other response is read whole.
        var previous = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            previous?.Invoke(handler);
            handler.MaxResponseDrainSize = 0;
        };
        return (new k8s.Kubernetes(config), ns, source);
    }

    private static FileInfo[] KubeConfigFiles()
    {
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return [.. variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(static p => new FileInfo(p.Trim('"'))).Where(static f => f.Exists)];
        }

        var home = new FileInfo(KubernetesClientConfiguration.KubeConfigDefaultLocation);
        return home.Exists ? [home] : [];
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Client.Dispose();
        }
    }
}
