using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// An EndpointSlice read once when it changes: its TCP ports and its endpoints, with what could not be used counted.
/// Immutable, so a Service's endpoint list can keep the parts of slices that did not change.
/// </summary>
internal sealed class SliceEndpoints
{
    private SliceEndpoints(string name, string serviceName, string? resourceVersion, SlicePort[] ports, SliceEndpoint[] endpoints, HashSet<string>? podNames)
    {
        Name = name;
        ServiceName = serviceName;
        ResourceVersion = resourceVersion;
        Ports = ports;
        Endpoints = endpoints;
        PodNames = podNames;
    }

    public string Name { get; }

    public string ServiceName { get; }

    public string? ResourceVersion { get; }

    public SlicePort[] Ports { get; }

    public SliceEndpoint[] Endpoints { get; }

    /// <summary>The pods the endpoints name, to find the slices a pod change touches.</summary>
    public HashSet<string>? PodNames { get; }

    /// <summary>What the slice held that could not be used, by reason (indexed by <see cref="IgnoredReason"/>).</summary>
    public int[] Ignored { get; } = new int[5];

    /// <summary>The address type when it was not one Lanes knows, for the log.</summary>
    public string? UnknownAddressType { get; private set; }

    /// <summary>Reads a slice; returns <see langword="null"/> for one without a name or Service label.</summary>
    public static SliceEndpoints? Read(V1EndpointSlice slice)
    {
        var name = slice.Metadata?.Name;
        if (string.IsNullOrEmpty(name) || slice.Metadata!.Labels is null
            || !slice.Metadata.Labels.TryGetValue(KubernetesNames.ServiceNameLabel, out var service) || string.IsNullOrEmpty(service))
        {
            return null;
        }

        var ports = ReadPorts(slice.Ports);
        var source = slice.Endpoints ?? [];
        var kind = slice.AddressType switch
        {
            "IPv4" => AddressKind.IPv4,
            "IPv6" => AddressKind.IPv6,
            "FQDN" => AddressKind.Fqdn,
            _ => AddressKind.Unknown,
        };

        var endpoints = new List<SliceEndpoint>(source.Count);
        HashSet<string>? pods = null;
        var ignored = new int[5];
        foreach (var endpoint in source)
        {
            if (endpoint is null)
            {
                continue;
            }

            if (kind == AddressKind.Unknown)
            {
                ignored[(int)IgnoredReason.UnknownAddressType]++;
                continue;
            }

            if (ports.Length == 0)
            {
                ignored[(int)IgnoredReason.NoPort]++;
                continue;
            }

            // All addresses of an endpoint are the same pod; Kubernetes says the first may be used alone.
            var address = endpoint.Addresses is { Count: > 0 } addresses ? addresses[0] : null;
            if (!TryReadAddress(address, kind, out var ip, out var host))
            {
                ignored[(int)IgnoredReason.MalformedAddress]++;
                continue;
            }

            var target = endpoint.TargetRef;
            var podName = target is { Kind: "Pod", Name.Length: > 0 } ? target.Name : null;
            if (podName is not null)
            {
                (pods ??= new HashSet<string>(StringComparer.Ordinal)).Add(podName);
            }

            endpoints.Add(new SliceEndpoint(address!, ip, host, podName, podName is null ? null : target!.Uid, IsRoutable(endpoint.Conditions)));
        }

        var result = new SliceEndpoints(name, service, slice.Metadata.ResourceVersion, ports, [.. endpoints], pods)
        {
            UnknownAddressType = kind == AddressKind.Unknown ? slice.AddressType ?? "(none)" : null,
        };
        ignored.CopyTo(result.Ignored, 0);
        return result;
    }

    /// <summary>
    /// Kubernetes' conditions: <c>ready</c> (unset means true) is false for a pod that is not ready or is terminating,
    /// <c>serving</c> (unset means as ready) is false when it cannot serve, <c>terminating</c> marks a pod on its way out.
    /// A terminating endpoint gets no new requests even where <c>ready</c> stays true (<c>publishNotReadyAddresses</c>).
    /// </summary>
    public static bool IsRoutable(V1EndpointConditions? conditions) =>
        conditions is null || (conditions.Ready != false && conditions.Serving != false && conditions.Terminating != true);

    private static SlicePort[] ReadPorts(IList<Discoveryv1EndpointPort>? ports)
    {
        if (ports is null || ports.Count == 0)
        {
            return [];
        }

        var result = new List<SlicePort>(ports.Count);
        foreach (var port in ports)
        {
            // A port without a number means "all ports": nothing to send a request to. UDP and SCTP carry no HTTP.
            if (port?.Port is not { } number || number is < 1 or > 65535 || (port.Protocol is { } protocol && protocol != "TCP"))
            {
                continue;
            }

            result.Add(new SlicePort(port.Name ?? string.Empty, number));
        }

        return [.. result];
    }

    private static bool TryReadAddress(string? address, AddressKind kind, out IPAddress? ip, out string? host)
    {
        ip = null;
        host = null;
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        if (kind == AddressKind.Fqdn)
        {
            host = address;
            return Uri.CheckHostName(address) == UriHostNameType.Dns;
        }

        // IPAddress.TryParse also takes "10.1" and "10.0.0.1%eth0"; the API server writes neither.
        var family = kind == AddressKind.IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        return IPAddress.TryParse(address, out ip) && ip.AddressFamily == family && !address.Contains('%', StringComparison.Ordinal)
            && (kind != AddressKind.IPv4 || address.AsSpan().Count('.') == 3);
    }

    private enum AddressKind
    {
        Unknown,
        IPv4,
        IPv6,
        Fqdn,
    }
}
