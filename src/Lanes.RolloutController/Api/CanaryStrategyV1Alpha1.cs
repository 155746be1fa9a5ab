namespace Lanes.RolloutController.Api;

/// <summary>v1alpha1 canary strategy.</summary>
internal sealed class CanaryStrategyV1Alpha1
{
    /// <summary>The steps.</summary>
    public List<CanaryStepV1Alpha1> Steps { get; set; } = [];

    /// <summary>Traffic routing owned by this Rollout.</summary>
    public List<TrafficRoutingRef>? TrafficRoutings { get; set; }

    /// <summary>Tolerated unready canary pods.</summary>
    public IntOrPercent? FailureThreshold { get; set; }

    /// <summary>Labels and annotations merged into the canary pod template.</summary>
    public PatchPodTemplateMetadata? PatchPodTemplateMetadata { get; set; }

    /// <summary>Do not create a <c>-canary</c> Service.</summary>
    public bool DisableGenerateCanaryService { get; set; }
}
