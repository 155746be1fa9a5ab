namespace Lanes.RolloutController.Api;

/// <summary>v1alpha1 wrapper of the workload reference.</summary>
internal sealed class ObjectRefV1Alpha1
{
    /// <summary>The workload.</summary>
    public WorkloadRef? WorkloadRef { get; set; }
}
