using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;

namespace Lanes.RolloutController.Decisions;

/// <summary>The result of one <see cref="RolloutDecider.Decide"/>: actions in order, the status to write, when to look again.</summary>
internal sealed record RolloutDecision(IReadOnlyList<RolloutAction> Actions, RolloutStatus Status, bool StatusChanged, TimeSpan? RequeueAfter)
{
    /// <summary>Events to record after the status is written.</summary>
    public IReadOnlyList<RolloutEvent> Events { get; init; } = [];
}
