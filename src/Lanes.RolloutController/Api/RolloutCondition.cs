namespace Lanes.RolloutController.Api;

/// <summary>A status condition.</summary>
internal sealed class RolloutCondition
{
    /// <summary>Type.</summary>
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    public string Status { get; set; } = "";

    /// <summary>Last time anything in the condition changed.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>Last time the status changed.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>Machine-readable reason.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Human-readable message.</summary>
    public string Message { get; set; } = "";
}
