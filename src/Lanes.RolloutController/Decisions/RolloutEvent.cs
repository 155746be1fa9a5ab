namespace Lanes.RolloutController.Decisions;

/// <summary>A core/v1 Event a decision asks for; recorded only once the status that goes with it is written.</summary>
internal sealed record RolloutEvent(string Type, string Reason, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    /// <summary>Kruise's reason for every release-progress Event.</summary>
    public const string Progressing = "Progressing";
}
