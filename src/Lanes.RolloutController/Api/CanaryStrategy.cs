namespace Lanes.RolloutController.Api;

/// <summary>Canary strategy.</summary>
internal sealed class CanaryStrategy
{
    /// <summary>The steps, run in order.</summary>
    public List<CanaryStep> Steps { get; set; } = [];

    /// <summary>Traffic routing owned by this Rollout (at most one).</summary>
    public List<TrafficRoutingRef>? TrafficRoutings { get; set; }

    /// <summary>How many canary pods may be unready and still count the step as ready.</summary>
    public IntOrPercent? FailureThreshold { get; set; }

    /// <summary>Labels and annotations merged into the canary pod template (the lane labels).</summary>
    public PatchPodTemplateMetadata? PatchPodTemplateMetadata { get; set; }

    /// <summary>True: canary style (an extra Deployment). False: partition style.</summary>
    public bool EnableExtraWorkloadForCanary { get; set; }

    /// <summary>Name of a shared TrafficRouting (Kruise honours only the annotation; Lanes reads both).</summary>
    public string? TrafficRoutingRef { get; set; }

    /// <summary>Do not create a <c>-canary</c> Service.</summary>
    public bool DisableGenerateCanaryService { get; set; }
}
