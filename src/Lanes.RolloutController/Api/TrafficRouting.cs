using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1alpha1</c> TrafficRouting: a lane rule shared by several Rollouts.</summary>
internal sealed class TrafficRouting
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
