namespace Lanes.Cli.Rendering;

/// <summary>Where a Rollout's latest release stands, as <c>kubectl rollout status</c> would judge it.</summary>
internal enum ReleaseOutcome
{
    /// <summary>A release is under way (or the controller has not yet seen the latest change).</summary>
    InProgress,

    /// <summary>Healthy, with the last release completed (or none yet).</summary>
    Succeeded,

    /// <summary>The last release was canceled (the workload was rolled back).</summary>
    Canceled,

    /// <summary>The Rollout is invalid, disabled, or its canary did not become ready in time.</summary>
    Failed,
}
