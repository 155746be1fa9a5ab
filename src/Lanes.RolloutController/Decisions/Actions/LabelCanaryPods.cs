namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>
/// Kruise's pod batch labels: the canary's pods (those of <paramref name="PodTemplateHash"/>) get <c>rollouts.kruise.io/rollout-id</c> and
/// <c>rollouts.kruise.io/rollout-batch-id</c>, <paramref name="PlannedIncrements"/>[i] pods for batch i + 1.
/// </summary>
internal sealed record LabelCanaryPods(string PodTemplateHash, string RolloutId, int[] PlannedIncrements) : RolloutAction;
