namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// What a cheap scan of a Nacos <c>ServiceInfo</c> tells before any parsing: a hash of everything but
/// <c>lastRefTime</c> (which a server changes on every answer), <c>lastRefTime</c> and <c>cacheMillis</c>.
/// </summary>
internal readonly record struct ServiceInfoSummary(ulong Hash, long LastRefTime, long CacheMillis);
