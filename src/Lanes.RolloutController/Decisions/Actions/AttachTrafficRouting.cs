namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Adds progressing.rollouts.kruise.io/&lt;rollout&gt; to the shared TrafficRouting.</summary>
internal sealed record AttachTrafficRouting(string Name) : RolloutAction;
