namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Holds the stable Deployment: paused, in-progressing annotation, stable-revision label.</summary>
internal sealed record HoldWorkload(string Deployment, string RolloutName, string StableRevision) : RolloutAction;
