namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Adds the Rollout finalizer so a deletion mid-release can clean up.</summary>
internal sealed record AddRolloutFinalizer() : RolloutAction;
