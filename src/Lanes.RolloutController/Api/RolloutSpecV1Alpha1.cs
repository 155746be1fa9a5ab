namespace Lanes.RolloutController.Api;

/// <summary>Spec of a v1alpha1 Rollout.</summary>
internal sealed class RolloutSpecV1Alpha1
{
    /// <summary>Holds the workload reference.</summary>
    public ObjectRefV1Alpha1? ObjectRef { get; set; }

    /// <summary>How to release.</summary>
    public RolloutStrategyV1Alpha1 Strategy { get; set; } = new();

    /// <summary>Deprecated rollout id; dropped by conversion.</summary>
    public string? RolloutID { get; set; }

    /// <summary>Stops managing the workload.</summary>
    public bool Disabled { get; set; }
}
