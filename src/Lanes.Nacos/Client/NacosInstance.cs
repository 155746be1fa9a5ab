namespace Lanes.Nacos.Client;

/// <summary>An instance as it is registered with Nacos.</summary>
internal sealed record NacosInstance(
    NacosServiceName Service,
    string Ip,
    int Port,
    string ClusterName,
    double Weight,
    bool Enabled,
    bool Ephemeral,
    IReadOnlyDictionary<string, string> Metadata);
