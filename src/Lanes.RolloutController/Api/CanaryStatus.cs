namespace Lanes.RolloutController.Api;

/// <summary>Progress of a canary release.</summary>
internal sealed class CanaryStatus
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
