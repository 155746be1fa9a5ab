namespace Lanes.RolloutController.Api;

/// <summary>Phases of an analysis run, a metric and a measurement (Argo Rollouts' names).</summary>
internal static class AnalysisPhases
{
    public const string Running = "Running";
    public const string Successful = "Successful";
    public const string Failed = "Failed";
    public const string Inconclusive = "Inconclusive";
    public const string Error = "Error";
}
