namespace Lanes.Nacos.Transport;

/// <summary>What became of a pushed instance list.</summary>
internal enum PushOutcome
{
    /// <summary>It reached the subscription of its service (which may still have found it unchanged, stale or held).</summary>
    Accepted,

    /// <summary>It is not a readable <c>ServiceInfo</c>; the subscription's last good list stays.</summary>
    Malformed,

    /// <summary>It names a service this process never subscribed to.</summary>
    UnknownService,
}
