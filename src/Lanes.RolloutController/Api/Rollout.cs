using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1beta1</c> Rollout, the form the controller works on.</summary>
internal sealed class Rollout
{
    /// <summary>Always <c>rollouts.kruise.io/v1beta1</c> after conversion.</summary>
    public string ApiVersion { get; set; } = KruiseNames.Group + "/" + KruiseNames.V1Beta1;

    /// <summary>Always <c>Rollout</c>.</summary>
    public string Kind { get; set; } = "Rollout";

    /// <summary>Object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired behaviour.</summary>
    public RolloutSpec Spec { get; set; } = new();

    /// <summary>Observed state, written by the controller.</summary>
    public RolloutStatus? Status { get; set; }
}
