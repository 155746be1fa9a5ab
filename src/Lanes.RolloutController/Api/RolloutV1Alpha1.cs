using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1alpha1</c> Rollout as users write it (the seed's <c>rollout.yaml</c>).</summary>
public sealed class RolloutV1Alpha1
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

/// <summary>Spec of a v1alpha1 Rollout.</summary>
public sealed class RolloutSpecV1Alpha1
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

/// <summary>v1alpha1 wrapper of the workload reference.</summary>
public sealed class ObjectRefV1Alpha1
{
    /// <summary>The workload.</summary>
    public WorkloadRef? WorkloadRef { get; set; }
}

/// <summary>v1alpha1 strategy.</summary>
public sealed class RolloutStrategyV1Alpha1
{
    /// <summary>Pauses the whole release.</summary>
    public bool Paused { get; set; }

    /// <summary>Canary release in steps.</summary>
    public CanaryStrategyV1Alpha1? Canary { get; set; }
}

/// <summary>v1alpha1 canary strategy.</summary>
public sealed class CanaryStrategyV1Alpha1
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

/// <summary>v1alpha1 step: <c>weight</c> instead of <c>traffic</c>, header-only matches.</summary>
public sealed class CanaryStepV1Alpha1
{
    /// <summary>Traffic percentage.</summary>
    public int? Weight { get; set; }

    /// <summary>Header matches.</summary>
    public List<HeaderRouteMatchV1Alpha1>? Matches { get; set; }

    /// <summary>Headers rewritten on canary traffic.</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }

    /// <summary>Canary replicas; defaults to the weight as a percentage.</summary>
    public IntOrPercent? Replicas { get; set; }

    /// <summary>Pause after the step.</summary>
    public RolloutPause? Pause { get; set; }
}

/// <summary>v1alpha1 match: headers only.</summary>
public sealed class HeaderRouteMatchV1Alpha1
{
    /// <summary>Header matches.</summary>
    public List<HttpValueMatch>? Headers { get; set; }
}
