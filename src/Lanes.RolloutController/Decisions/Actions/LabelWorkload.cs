namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>
/// Labels a governed Deployment <c>rollouts.kruise.io/workload-type: deployment</c> (Kruise's
/// patchWorkloadRolloutWebhookLabel), so the mutating webhook's objectSelector sends its updates to the controller.
/// Nothing else: between releases the Deployment is not paused.
/// </summary>
internal sealed record LabelWorkload(string Deployment) : RolloutAction;
