using Lanes.RolloutController.Analysis;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Decisions;

/// <summary>
/// The analysis a Rollout asked for (annotation <c>lanes.dev/analysis</c>): its templates bound to their arguments, or
/// why they cannot be used, and this Rollout's run as the runner has it now.
/// </summary>
internal sealed record AnalysisObservation(string Templates, IReadOnlyList<BoundMetric>? Metrics, string? Problem, AnalysisRunStatus? Run);
