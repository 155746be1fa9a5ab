namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Writes Kruise's <c>rollouts.kruise.io/hash</c> annotation on the Rollout.</summary>
internal sealed record SetRolloutHash(string Hash) : RolloutAction;
