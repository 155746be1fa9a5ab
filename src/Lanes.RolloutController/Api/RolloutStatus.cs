namespace Lanes.RolloutController.Api;

/// <summary>Status of a Rollout (both versions; v1beta1 adds the top-level step mirror).</summary>
public sealed class RolloutStatus
{
    /// <summary>The generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>See <see cref="RolloutPhases"/>.</summary>
    public string? Phase { get; set; }

    /// <summary>Human-readable state, shown in the MESSAGE column.</summary>
    public string? Message { get; set; }

    /// <summary>Conditions, see <see cref="ConditionTypes"/>.</summary>
    public List<RolloutCondition>? Conditions { get; set; }

    /// <summary>Progress of the canary release.</summary>
    public CanaryStatus? CanaryStatus { get; set; }

    /// <summary>v1beta1 mirror of <c>canaryStatus.currentStepIndex</c> for printer columns.</summary>
    public int? CurrentStepIndex { get; set; }

    /// <summary>v1beta1 mirror of <c>canaryStatus.currentStepState</c> for printer columns.</summary>
    public string? CurrentStepState { get; set; }
}

/// <summary>Progress of a canary release.</summary>
public sealed class CanaryStatus
{
    /// <summary>Workload generation seen when the release started.</summary>
    public long? ObservedWorkloadGeneration { get; set; }

    /// <summary>Rollout id of the release (workload label, else the canary revision).</summary>
    public string? ObservedRolloutID { get; set; }

    /// <summary>Hash of the canary strategy, pauses excluded.</summary>
    public string? RolloutHash { get; set; }

    /// <summary>pod-template-hash of the stable ReplicaSet.</summary>
    public string? StableRevision { get; set; }

    /// <summary>Revision of the new pod template.</summary>
    public string CanaryRevision { get; set; } = "";

    /// <summary>pod-template-hash of the canary ReplicaSet.</summary>
    public string PodTemplateHash { get; set; } = "";

    /// <summary>Canary replicas.</summary>
    public int CanaryReplicas { get; set; }

    /// <summary>Ready canary replicas.</summary>
    public int CanaryReadyReplicas { get; set; }

    /// <summary>Next step (1-based), -1 when none. Writing it jumps.</summary>
    public int NextStepIndex { get; set; }

    /// <summary>Current step (1-based).</summary>
    public int? CurrentStepIndex { get; set; }

    /// <summary>See <see cref="CanaryStepStates"/>. Approve by patching <c>StepReady</c> while <c>StepPaused</c>.</summary>
    public string CurrentStepState { get; set; } = "";

    /// <summary>Message of the step.</summary>
    public string? Message { get; set; }

    /// <summary>When the step state last changed.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>Current finalising step name.</summary>
    public string FinalisingStep { get; set; } = "";
}

/// <summary>A status condition.</summary>
public sealed class RolloutCondition
{
    /// <summary>Type.</summary>
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    public string Status { get; set; } = "";

    /// <summary>Last time anything in the condition changed.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>Last time the status changed.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>Machine-readable reason.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Human-readable message.</summary>
    public string Message { get; set; } = "";
}
