namespace Lanes.RolloutController.Api;

/// <summary>
/// One analysis run of a canary step, as recorded in <c>status.lanes.analysis</c> (the last runs, newest last) and as
/// the analysis runner reports it while it runs.
/// </summary>
internal sealed class AnalysisRunStatus
{
    /// <summary>The step (1-based) the run judged.</summary>
    public int Step { get; set; }

    /// <summary>The canary revision the run judged.</summary>
    public string CanaryRevision { get; set; } = "";

    /// <summary>The templates, comma-separated, as in the Rollout's annotation.</summary>
    public string Templates { get; set; } = "";

    /// <summary>See <see cref="AnalysisPhases"/>.</summary>
    public string Phase { get; set; } = AnalysisPhases.Running;

    /// <summary>Why, in one sentence: the metric, its values and the condition.</summary>
    public string? Message { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public List<AnalysisMetricStatus> Metrics { get; set; } = [];
}
