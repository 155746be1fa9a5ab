namespace Lanes.RolloutController.Api;

/// <summary>Status of a TrafficRouting.</summary>
internal sealed class TrafficRoutingStatus
{
    /// <summary>The generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary><c>Initial</c>, <c>Healthy</c>, <c>Progressing</c>, <c>Finalizing</c> or <c>Terminating</c>.</summary>
    public string? Phase { get; set; }

    /// <summary>Human-readable state.</summary>
    public string? Message { get; set; }

    /// <summary>Lanes: the <c>TrafficReady</c> condition, so Rollouts and users see whether the routes are in place.</summary>
    public List<RolloutCondition>? Conditions { get; set; }
}
