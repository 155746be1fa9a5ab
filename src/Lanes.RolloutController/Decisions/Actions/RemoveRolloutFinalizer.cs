namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Removes the Rollout finalizer; the object is then deleted.</summary>
internal sealed record RemoveRolloutFinalizer() : RolloutAction;
