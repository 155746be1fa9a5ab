namespace Lanes.Kubernetes.Cluster;

/// <summary>Metric and log names of <see cref="IgnoredReason"/>.</summary>
internal static class IgnoredReasons
{
    public static string Name(IgnoredReason reason) => reason switch
    {
        IgnoredReason.UnknownAddressType => "unknown_address_type",
        IgnoredReason.MalformedAddress => "malformed_address",
        IgnoredReason.NoPort => "no_port",
        IgnoredReason.InvalidLane => "invalid_lane",
        _ => "pod_without_labels",
    };
}
