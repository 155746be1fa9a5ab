namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Hands the Deployment back: unpaused, annotation and stable-revision label removed.</summary>
internal sealed record ReleaseWorkload(string Deployment) : RolloutAction;
