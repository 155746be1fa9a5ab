namespace Lanes.RolloutController.Decisions;

/// <summary>What a TrafficRouting pass asks of the traffic routing manager.</summary>
internal enum TrafficRoutingOperation
{
    /// <summary>Nothing to route.</summary>
    None,

    /// <summary>Check that the Services and entry objects exist (phase Initial).</summary>
    Initialize,

    /// <summary>Put the lane rule in place (Progressing; Terminating while Rollouts are attached).</summary>
    EnsureRoutes,

    /// <summary>Route everything back to stable (Finalizing, Terminating).</summary>
    Finalise,
}
