namespace Lanes.RolloutController.Traffic;

/// <summary>See <see cref="TrafficRoutingResult"/>.</summary>
internal enum TrafficRoutingOutcome
{
    /// <summary>In place; nothing changed.</summary>
    Done,

    /// <summary>Changed something, or waiting for a grace period.</summary>
    Pending,

    /// <summary>Cannot proceed; the message says why.</summary>
    Failed,
}
