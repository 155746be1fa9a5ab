namespace Lanes.Nacos.Subscriptions;

/// <summary>The name of the service a Nacos <c>ServiceInfo</c> describes (read to route a push to its subscription).</summary>
internal readonly record struct ServiceInfoHeader(string? Name, string? GroupName);
