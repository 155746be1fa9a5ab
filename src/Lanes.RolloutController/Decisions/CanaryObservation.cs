namespace Lanes.RolloutController.Decisions;

/// <summary>A canary Deployment (label <c>rollouts.kruise.io/canary-deployment</c>) as seen in one pass.</summary>
internal sealed record CanaryObservation
{
    public required string Name { get; init; }

    /// <summary>Template revision the canary was made from.</summary>
    public string? Revision { get; init; }

    public int Replicas { get; init; }

    public long Generation { get; init; }

    public long ObservedGeneration { get; init; }

    public int StatusReplicas { get; init; }

    public int AvailableReplicas { get; init; }

    public string? PodTemplateHash { get; init; }

    public bool Deleting { get; init; }
}
