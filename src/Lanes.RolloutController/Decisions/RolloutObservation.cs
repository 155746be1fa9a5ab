using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Decisions;

/// <summary>Everything <see cref="RolloutDecider.Decide"/> needs, read in one pass.</summary>
internal sealed record RolloutObservation
{
    public required Rollout Rollout { get; init; }

    /// <summary>Set when the Rollout object could not be read into the model.</summary>
    public string? ReadError { get; init; }

    /// <summary><see langword="null"/> when the referenced Deployment does not exist.</summary>
    public WorkloadObservation? Workload { get; init; }

    public IReadOnlyList<CanaryObservation> Canaries { get; init; } = [];

    /// <summary><see langword="null"/> when the Rollout names no TrafficRouting.</summary>
    public TrafficRoutingObservation? TrafficRouting { get; init; }

    /// <summary><see langword="null"/> when the Rollout asks for no analysis (or is not releasing).</summary>
    public AnalysisObservation? Analysis { get; init; }

    public string Name => Rollout.Metadata.Name;

    public string Namespace => Rollout.Metadata.NamespaceProperty ?? "default";
}
