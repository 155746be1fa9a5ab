namespace Lanes.RolloutController.Controller;

/// <summary>Deletes canary Deployments.</summary>
internal sealed record DeleteCanaries(IReadOnlyList<string> Names) : RolloutAction;
