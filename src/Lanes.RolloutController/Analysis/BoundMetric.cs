namespace Lanes.RolloutController.Analysis;

/// <summary>A metric with its arguments filled in: the query to send and the parsed conditions.</summary>
internal sealed record BoundMetric(string Template, AnalysisMetric Metric, Uri Address, string Query, AnalysisCondition? SuccessCondition, AnalysisCondition? FailureCondition)
{
    public string Name => Metric.Name;
}
