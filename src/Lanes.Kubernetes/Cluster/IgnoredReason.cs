namespace Lanes.Kubernetes.Cluster;

/// <summary>Why an endpoint or pod could not be used as it is.</summary>
internal enum IgnoredReason
{
    /// <summary>The EndpointSlice's addressType is neither IPv4, IPv6 nor FQDN: its endpoints are ignored.</summary>
    UnknownAddressType,

    /// <summary>An address that does not parse as its slice's type, or an endpoint with no address: ignored.</summary>
    MalformedAddress,

    /// <summary>The slice (its Service) has no TCP port: its endpoints are ignored.</summary>
    NoPort,

    /// <summary>The pod's lane label is not a valid lane: its endpoints are ignored (never base, never its lane).</summary>
    InvalidLane,

    /// <summary>The pod has no labels at all: treated as base.</summary>
    PodWithoutLabels,
}
