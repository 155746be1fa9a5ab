namespace Lanes.RolloutController.Api;

/// <summary>Spec of a v1beta1 Rollout.</summary>
internal sealed class RolloutSpec
{
    /// <summary>The workload to release; only <c>apps/v1 Deployment</c> is supported.</summary>
    public WorkloadRef? WorkloadRef { get; set; }

    /// <summary>Stops managing the workload.</summary>
    public bool Disabled { get; set; }

    /// <summary>How to release.</summary>
    public RolloutStrategy Strategy { get; set; } = new();
}
