namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Before the first canary pod: the stable Service selects only stable pods (pod-template-hash).</summary>
/// <param name="StableRevision">pod-template-hash of the stable pods.</param>
internal sealed record PrepareTraffic(string? StableRevision) : RolloutAction;
