using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>An idempotent change to the cluster that a decision asks for; running it twice changes nothing more.</summary>
internal abstract record RolloutAction
{
    /// <summary>
    /// The status as it was when the action was decided. Actions run in order and the first one that is not done ends
    /// the pass: its checkpoint (or, without one, the status as read) is written instead of the decided status, so
    /// the status never claims what did not happen.
    /// </summary>
    public RolloutStatus? Checkpoint { get; init; }
}
