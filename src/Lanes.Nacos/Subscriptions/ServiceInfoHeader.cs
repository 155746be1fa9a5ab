namespace Lanes.Nacos.Subscriptions;

/// <summary>The parts of a Nacos <c>ServiceInfo</c> read before deciding whether its hosts need parsing.</summary>
internal readonly record struct ServiceInfoHeader(
    string? Name,
    string? GroupName,
    long CacheMillis,
    long LastRefTime,
    ulong HostsHash,
    int HostsStart,
    int HostsLength);
