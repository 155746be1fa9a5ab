using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1alpha1</c> Rollout as users write it (the seed's <c>rollout.yaml</c>).</summary>
internal sealed class RolloutV1Alpha1
{
    /// <summary>Always <c>rollouts.kruise.io/v1alpha1</c>.</summary>
    public string ApiVersion { get; set; } = KruiseNames.Group + "/" + KruiseNames.V1Alpha1;

    /// <summary>Always <c>Rollout</c>.</summary>
    public string Kind { get; set; } = "Rollout";

    /// <summary>Object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired behaviour.</summary>
    public RolloutSpecV1Alpha1 Spec { get; set; } = new();

    /// <summary>Observed state.</summary>
    public RolloutStatus? Status { get; set; }
}
