namespace Lanes.Kubernetes;

/// <summary>Kubernetes' naming rules and the well-known names Lanes reads.</summary>
internal static class KubernetesNames
{
    /// <summary>The label that ties an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public const string EndpointSlices = "endpointslices";

    public const string DiscoveryGroup = "discovery.k8s.io";

    public const string Pods = "pods";

    /// <summary>A DNS-1123 label: what namespace and Service names are (Service names also start with a letter).</summary>
    public static bool IsLabel(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 63 || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
