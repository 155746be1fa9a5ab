namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Keeps a Deployment paused between releases (our stand-in for Kruise's mutating webhook).</summary>
internal sealed record GateWorkload(string Deployment) : RolloutAction;
