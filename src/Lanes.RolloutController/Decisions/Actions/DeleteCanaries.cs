namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Deletes canary Deployments.</summary>
internal sealed record DeleteCanaries(IReadOnlyList<string> Names) : RolloutAction;
