namespace Lanes.RolloutController.Api;

/// <summary>Values of <c>status.phase</c>.</summary>
internal static class RolloutPhases
{
    /// <summary>Not yet reconciled, or the spec or workload is invalid.</summary>
    public const string Initial = "Initial";

    /// <summary>No release in progress.</summary>
    public const string Healthy = "Healthy";

    /// <summary>A release is in progress.</summary>
    public const string Progressing = "Progressing";

    /// <summary>The Rollout is being deleted.</summary>
    public const string Terminating = "Terminating";

    /// <summary>The Rollout is disabled.</summary>
    public const string Disabled = "Disabled";

    /// <summary>The Rollout is being disabled mid-release.</summary>
    public const string Disabling = "Disabling";
}
