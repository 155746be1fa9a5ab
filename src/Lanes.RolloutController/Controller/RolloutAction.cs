namespace Lanes.RolloutController.Controller;

/// <summary>An idempotent change to the cluster that a decision asks for; running it twice changes nothing more.</summary>
internal abstract record RolloutAction;
