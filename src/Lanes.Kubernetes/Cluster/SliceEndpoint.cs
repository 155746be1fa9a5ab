using System.Net;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// One endpoint of an EndpointSlice as routing needs it: its address (an IP, or a host name for FQDN slices), the
/// pod behind it and whether it may take new requests (ready, serving and not terminating).
/// </summary>
internal readonly struct SliceEndpoint(string address, IPAddress? ip, string? host, string? podName, string? podUid, bool routable)
{
    /// <summary>The address as the slice wrote it.</summary>
    public string Address { get; } = address;

    public IPAddress? Ip { get; } = ip;

    public string? Host { get; } = host;

    /// <summary>The pod of <c>targetRef</c>, or null for an endpoint that is not a pod (a manually managed slice).</summary>
    public string? PodName { get; } = podName;

    public string? PodUid { get; } = podUid;

    public bool Routable { get; } = routable;

    public EndPoint ToEndPoint(int port) => Ip is not null ? new IPEndPoint(Ip, port) : new DnsEndPoint(Host!, port);
}
