namespace Lanes.RolloutController.Api;

/// <summary>Reference to a workload in the Rollout's namespace.</summary>
internal sealed class WorkloadRef
{
    /// <summary>For example <c>apps/v1</c>.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>For example <c>Deployment</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>Name of the workload.</summary>
    public string? Name { get; set; }
}
