namespace Lanes.Kubernetes.Discovery;

/// <summary>
/// The Kubernetes Service a request host names: <c>orders</c> (the home namespace), <c>orders.shop</c>,
/// <c>orders.shop.svc</c> or <c>orders.shop.svc.&lt;cluster domain&gt;</c>, as cluster DNS reads them; plus the port
/// named by Microsoft.Extensions.ServiceDiscovery's <c>_name.</c> prefix.
/// </summary>
internal readonly record struct KubernetesServiceName(string? Namespace, string Service, string? PortName)
{
    /// <summary>
    /// Reads <paramref name="host"/> (without the <c>_name.</c> prefix, which ME.SD has already taken off);
    /// <see langword="false"/> for hosts that cannot be Services (<c>localhost</c>, <c>api.example.com</c>, IPs).
    /// </summary>
    public static bool TryParse(string host, string? portName, string clusterDomain, out KubernetesServiceName name)
    {
        name = default;
        if (string.IsNullOrEmpty(host) || host.Length > 253 || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var lower = host.ToLowerInvariant();
        var span = lower.AsSpan().TrimEnd('.');
        if (span.EndsWith("." + clusterDomain, StringComparison.Ordinal))
        {
            span = span[..^(clusterDomain.Length + 1)];
            if (!span.EndsWith(".svc", StringComparison.Ordinal))
            {
                return false;
            }
        }

        if (span.EndsWith(".svc", StringComparison.Ordinal))
        {
            span = span[..^4];
            if (span.IndexOf('.') < 0)
            {
                return false;   // "orders.svc" names no namespace
            }
        }

        var dot = span.IndexOf('.');
        var service = dot < 0 ? span : span[..dot];
        var ns = dot < 0 ? [] : span[(dot + 1)..];
        if (!IsServiceName(service) || (dot >= 0 && !KubernetesNames.IsLabel(ns)))
        {
            return false;
        }

        if (portName is not null && !IsPortName(portName))
        {
            return false;
        }

        name = new KubernetesServiceName(dot < 0 ? null : ns.ToString(), service.ToString(), portName);
        return true;
    }

    /// <summary>A DNS-1035 label: a DNS-1123 label that starts with a letter.</summary>
    private static bool IsServiceName(ReadOnlySpan<char> value) => KubernetesNames.IsLabel(value) && value[0] is >= 'a' and <= 'z';

    // IANA_SVC_NAME: what a Service port's name may be.
    private static bool IsPortName(string value) => value.Length <= 15 && KubernetesNames.IsLabel(value) && value.AsSpan().ContainsAnyInRange('a', 'z');

    public override string ToString() => Namespace is null ? Service : $"{Service}.{Namespace}";
}
