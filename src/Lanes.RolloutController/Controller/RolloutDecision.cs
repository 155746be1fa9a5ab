using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Controller;

/// <summary>The result of one <see cref="RolloutDecider.Decide"/>: actions in order, the status to write, when to look again.</summary>
internal sealed record RolloutDecision(IReadOnlyList<RolloutAction> Actions, RolloutStatus Status, bool StatusChanged, TimeSpan? RequeueAfter);
