namespace Lanes.RolloutController.Api;

/// <summary>Values of <c>canaryStatus.currentStepState</c>, in lifecycle order.</summary>
internal static class CanaryStepStates
{
    /// <summary>First state of each step (v1beta1).</summary>
    public const string BeforeStepUpgrade = "BeforeStepUpgrade";

    /// <summary>Scaling the canary Deployment and waiting for readiness.</summary>
    public const string StepUpgrade = "StepUpgrade";

    /// <summary>Applying the step's traffic rules.</summary>
    public const string StepTrafficRouting = "StepTrafficRouting";

    /// <summary>Metrics analysis (not implemented by Kruise either: passes through).</summary>
    public const string StepMetricsAnalysis = "StepMetricsAnalysis";

    /// <summary>Waiting for approval or for the pause duration.</summary>
    public const string StepPaused = "StepPaused";

    /// <summary>Approved; the next step starts.</summary>
    public const string StepReady = "StepReady";

    /// <summary>All steps done.</summary>
    public const string Completed = "Completed";
}
