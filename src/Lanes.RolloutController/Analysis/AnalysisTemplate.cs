namespace Lanes.RolloutController.Analysis;

/// <summary>A validated <c>AnalysisTemplate</c> (<c>lanes.dev/v1alpha1</c>), in Argo Rollouts' shape.</summary>
/// <param name="Name">The template's name.</param>
/// <param name="Args">Declared arguments and their defaults (<see langword="null"/>: must be given).</param>
/// <param name="Metrics">At least one metric.</param>
internal sealed record AnalysisTemplate(string Name, IReadOnlyList<AnalysisArg> Args, IReadOnlyList<AnalysisMetric> Metrics);
