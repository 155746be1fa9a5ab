namespace Lanes.Kubernetes;

/// <summary>
/// Options of Kubernetes discovery, bound from <c>Lanes:Kubernetes</c> and validated on start.
/// Every key has a default that fits a pod with the samples' RBAC: nothing needs to be set in a cluster.
/// </summary>
public sealed class KubernetesDiscoveryOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Lanes:Kubernetes";

    /// <summary>
    /// The namespace of unqualified service names (<c>http://orders</c>). Empty means the pod's own namespace
    /// (from the service account), else the kubeconfig context's namespace, else <c>default</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>
    /// A kubeconfig file to use instead of the in-cluster service account. Empty means: the service account inside a
    /// pod, else <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.
    /// </summary>
    public string? KubeConfigPath { get; set; }

    /// <summary>The kubeconfig context to use; empty means the file's current context.</summary>
    public string? KubeConfigContext { get; set; }

    /// <summary>The cluster's DNS domain, so <c>orders.shop.svc.cluster.local</c> resolves like <c>orders.shop</c>.</summary>
    /// <value>The default value is <c>cluster.local</c>.</value>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>Namespaces watched at most; services in further namespaces fail with an error naming this key.</summary>
    /// <value>The default value is 64.</value>
    public int MaxNamespaces { get; set; } = 64;

    /// <summary>
    /// How long the first calls into a namespace wait for its EndpointSlices and pods to be listed (a new pod's first
    /// request waits rather than fails while the API server is slow; a failing list ends the wait at once).
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan InitialSyncTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first pause before a failed list or watch is tried again; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest pause between attempts while the API server cannot be reached.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the host checks at start that it may list and watch EndpointSlices and pods in its namespace, and
    /// fails to start naming the missing permission when it may not.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool VerifyPermissionsOnStart { get; set; } = true;
}
