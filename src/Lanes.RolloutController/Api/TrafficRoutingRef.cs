namespace Lanes.RolloutController.Api;

/// <summary>Where traffic is routed: a Service plus an Ingress, a Gateway route or custom objects.</summary>
internal sealed class TrafficRoutingRef
{
    /// <summary>The stable Service.</summary>
    public string Service { get; set; } = "";

    /// <summary>Seconds to wait after a traffic change (default 3).</summary>
    public int? GracePeriodSeconds { get; set; }

    /// <summary>Ingress to copy into <c>&lt;name&gt;-canary</c>.</summary>
    public IngressTrafficRouting? Ingress { get; set; }

    /// <summary>Gateway API route.</summary>
    public GatewayTrafficRouting? Gateway { get; set; }

    /// <summary>Objects changed by custom providers.</summary>
    public List<WorkloadRef>? CustomNetworkRefs { get; set; }
}
