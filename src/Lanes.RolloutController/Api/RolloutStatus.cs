namespace Lanes.RolloutController.Api;

/// <summary>Status of a Rollout (both versions; v1beta1 adds the top-level step mirror).</summary>
internal sealed class RolloutStatus
{
    /// <summary>The generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>See <see cref="RolloutPhases"/>.</summary>
    public string? Phase { get; set; }

    /// <summary>Human-readable state, shown in the MESSAGE column.</summary>
    public string? Message { get; set; }

    /// <summary>Conditions, see <see cref="ConditionTypes"/>.</summary>
    public List<RolloutCondition>? Conditions { get; set; }

    /// <summary>Progress of the canary release.</summary>
    public CanaryStatus? CanaryStatus { get; set; }

    /// <summary>v1beta1 mirror of <c>canaryStatus.currentStepIndex</c> for printer columns.</summary>
    public int? CurrentStepIndex { get; set; }

    /// <summary>v1beta1 mirror of <c>canaryStatus.currentStepState</c> for printer columns.</summary>
    public string? CurrentStepState { get; set; }

    /// <summary>Lanes' own status (analysis runs), see <see cref="LanesRolloutStatus"/>.</summary>
    public LanesRolloutStatus? Lanes { get; set; }
}
