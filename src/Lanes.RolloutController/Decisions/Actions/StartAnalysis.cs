using Lanes.RolloutController.Analysis;

namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Starts the analysis of a step unless it already runs (or ran) for this step and canary revision.</summary>
internal sealed record StartAnalysis(int Step, string CanaryRevision, string Templates, IReadOnlyList<BoundMetric> Metrics) : RolloutAction;
