namespace Lanes.RolloutController.Decisions;

/// <summary>What the controller saw of the stable Deployment and its ReplicaSets in one pass.</summary>
internal sealed record WorkloadObservation
{
    public required string Name { get; init; }

    public required string Uid { get; init; }

    public long Generation { get; init; }

    public long ObservedGeneration { get; init; }

    public int Replicas { get; init; }

    public bool Paused { get; init; }

    /// <summary>Rollout named by the in-progressing annotation, if any.</summary>
    public string? InProgressingRollout { get; init; }

    public string? StableRevisionLabel { get; init; }

    public string? WorkloadTypeLabel { get; init; }

    public string? RolloutId { get; init; }

    /// <summary>Lanes' revision of the current pod template (pod-template-hash ignored).</summary>
    public required string TemplateRevision { get; init; }

    /// <summary>pod-template-hash of the oldest active ReplicaSet.</summary>
    public string? StableRevision { get; init; }

    /// <summary>The template equals the stable ReplicaSet's template, so nothing new is pending (or a rollback).</summary>
    public bool IsTemplateStable { get; init; }

    /// <summary>Kruise's <c>IsInRollback</c>: a release holds the workload and its template is the stable one again.</summary>
    public bool IsInRollback => InProgressingRollout is not null && IsTemplateStable;

    public int ReplicaSetCount { get; init; }

    public int StatusReplicas { get; init; }

    public int UpdatedReplicas { get; init; }

    public int AvailableReplicas { get; init; }

    /// <summary>The native controller finished: every replica runs the current template and is available.</summary>
    public bool IsRolledOut =>
        ObservedGeneration >= Generation && StatusReplicas == Replicas && UpdatedReplicas == Replicas && AvailableReplicas >= Replicas;


    /// <summary>
    /// Neither held by a Rollout nor paused: the native controller rolls it out. The stable-revision label says
    /// nothing here: Kruise keeps it after finalising, and so does ReleaseWorkload.
    /// </summary>
    public bool IsReleased => !Paused && InProgressingRollout is null;

    public bool IsHeldBy(string rollout, string? stableRevision) =>
        Paused && InProgressingRollout == rollout && StableRevisionLabel == stableRevision && WorkloadTypeLabel == "deployment";
}
