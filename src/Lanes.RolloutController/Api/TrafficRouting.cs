using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1alpha1</c> TrafficRouting: a lane rule shared by several Rollouts.</summary>
public sealed class TrafficRouting
{
    /// <summary>Always <c>rollouts.kruise.io/v1alpha1</c>.</summary>
    public string ApiVersion { get; set; } = KruiseNames.Group + "/" + KruiseNames.V1Alpha1;

    /// <summary>Always <c>TrafficRouting</c>.</summary>
    public string Kind { get; set; } = "TrafficRouting";

    /// <summary>Object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired routing.</summary>
    public TrafficRoutingSpec Spec { get; set; } = new();

    /// <summary>Observed state.</summary>
    public TrafficRoutingStatus? Status { get; set; }
}

/// <summary>Spec of a TrafficRouting.</summary>
public sealed class TrafficRoutingSpec
{
    /// <summary>The entry objects (Service plus Ingress or route).</summary>
    public List<TrafficRoutingRef> ObjectRef { get; set; } = [];

    /// <summary>What canary traffic is.</summary>
    public TrafficRoutingStrategy Strategy { get; set; } = new();
}

/// <summary>The lane rule: weight, header matches and header rewrites.</summary>
public sealed class TrafficRoutingStrategy
{
    /// <summary>Traffic percentage.</summary>
    public int? Weight { get; set; }

    /// <summary>Header matches, e.g. <c>User-Agent: xiaoming</c>.</summary>
    public List<HeaderRouteMatchV1Alpha1>? Matches { get; set; }

    /// <summary>Header rewrites, e.g. set <c>x-mse-tag: gray</c>.</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }
}

/// <summary>Status of a TrafficRouting.</summary>
public sealed class TrafficRoutingStatus
{
    /// <summary>The generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary><c>Initial</c>, <c>Healthy</c>, <c>Progressing</c>, <c>Finalizing</c> or <c>Terminating</c>.</summary>
    public string? Phase { get; set; }

    /// <summary>Human-readable state.</summary>
    public string? Message { get; set; }
}
