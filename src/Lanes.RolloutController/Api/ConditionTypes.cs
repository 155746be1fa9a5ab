namespace Lanes.RolloutController.Api;

/// <summary>Condition types and reasons on a Rollout.</summary>
internal static class ConditionTypes
{
    /// <summary>Kruise: a release is running; the reason tells the sub-phase.</summary>
    public const string Progressing = "Progressing";

    /// <summary>Kruise: the last release succeeded (True) or was cancelled (False).</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Kruise: the Rollout is being deleted.</summary>
    public const string Terminating = "Terminating";

    /// <summary>Lanes: present (True) while the spec or the workload reference cannot be served.</summary>
    public const string Invalid = "Invalid";

    /// <summary>Lanes: False when the canary did not become ready within the timeout.</summary>
    public const string CanaryReady = "CanaryReady";

    /// <summary>
    /// Lanes: whether the traffic a release step needs is in place (True), or why not (False, with a reason from
    /// <c>TrafficRoutingReasons</c>). On Rollouts while a release runs, and on TrafficRoutings.
    /// </summary>
    public const string TrafficReady = "TrafficReady";

    /// <summary>Reason: a release was detected.</summary>
    public const string ReasonInitializing = "Initializing";

    /// <summary>Reason: steps are running.</summary>
    public const string ReasonInRolling = "InRolling";

    /// <summary>Reason: all steps done, closing work running.</summary>
    public const string ReasonFinalising = "Finalising";

    /// <summary>Reason: done.</summary>
    public const string ReasonCompleted = "Completed";

    /// <summary>Reason: rolling back.</summary>
    public const string ReasonCancelling = "Cancelling";

    /// <summary>Reason: <c>spec.strategy.paused</c> is set.</summary>
    public const string ReasonPaused = "Paused";

    /// <summary>Reason: the Rollout is being deleted.</summary>
    public const string ReasonInTerminating = "InTerminating";
}
