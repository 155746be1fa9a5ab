namespace Lanes.RolloutController.Api;

/// <summary>
/// Lanes' own part of a Rollout's status (<c>status.lanes</c>): Kruise's status has no place for analysis, and a
/// field under status (unlike an annotation) is written with the rest of the status in the one guarded write. The
/// CRD keeps it: its status schema preserves unknown fields.
/// </summary>
internal sealed class LanesRolloutStatus
{
    /// <summary>The last analysis runs, newest last (at most <see cref="MaxRuns"/>).</summary>
    public List<AnalysisRunStatus>? Analysis { get; set; }

    public const int MaxRuns = 10;
}
