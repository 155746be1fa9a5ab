using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Lanes.Cli.Cluster;

/// <summary>A client for the cluster and namespace a command's kubeconfig flags select.</summary>
internal sealed class ClusterConnection : IDisposable
{
    private ClusterConnection(IKubernetes client, string ns, string server)
    {
        Client = client;
        Namespace = ns;
        Server = server;
    }

    public IKubernetes Client { get; }

    public string Namespace { get; }

    /// <summary>The API server's address, for errors that say which cluster could not be reached.</summary>
    public string Server { get; }

    public static ClusterConnection Open(ClusterTarget target, IReadOnlyList<Func<DelegatingHandler>>? handlers = null)
    {
        var config = LoadConfiguration(target);
        var ns = !string.IsNullOrEmpty(target.Namespace) ? target.Namespace : !string.IsNullOrEmpty(config.Namespace) ? config.Namespace : "default";
        var delegating = handlers is null ? [] : handlers.Select(static h => h()).ToArray();
        return new ClusterConnection(new Kubernetes(config, delegating), ns, config.Host ?? "(no server)");
    }

    private static KubernetesClientConfiguration LoadConfiguration(ClusterTarget target)
    {
        var paths = KubeconfigPaths(target.Kubeconfig);
        var existing = paths.Where(File.Exists).Select(static p => new FileInfo(p)).ToArray();
        if (existing.Length == 0)
        {
            throw new CliException($"error: no kubeconfig found (looked at {string.Join(", ", paths)}); pass --kubeconfig or set KUBECONFIG");
        }

        try
        {
            var merged = Merge(existing.Select(static f => KubernetesClientConfiguration.LoadKubeConfig(f)).ToList());
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, target.Context);
        }
        catch (KubeConfigException e)
        {
            throw new CliException($"error: invalid kubeconfig {string.Join(", ", existing.Select(static f => f.FullName))}: {OneLine(e.Message)}", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new CliException($"error: cannot read kubeconfig {string.Join(", ", existing.Select(static f => f.FullName))}: {OneLine(e.Message)}", inner: e);
        }
    }

    // kubectl's merge of a KUBECONFIG list: the first file to set a value (current-context, a named context, cluster or user) wins.
    private static K8SConfiguration Merge(List<K8SConfiguration> files)
    {
        if (files.Count == 1)
        {
            return files[0];
        }

        return new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = files.Select(static f => f.CurrentContext).FirstOrDefault(static c => !string.IsNullOrEmpty(c)),
            Contexts = files.SelectMany(static f => f.Contexts ?? []).DistinctBy(static c => c.Name).ToList(),
            Clusters = files.SelectMany(static f => f.Clusters ?? []).DistinctBy(static c => c.Name).ToList(),
            Users = files.SelectMany(static f => f.Users ?? []).DistinctBy(static u => u.Name).ToList(),
        };
    }

    // kubectl's precedence: the flag names one file; KUBECONFIG is a list merged in order; else the home default.
    private static string[] KubeconfigPaths(string? flag)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return [flag];
        }

        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        return [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")];
    }

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    public void Dispose() => Client.Dispose();
}
