namespace Lanes.RolloutController.Controller;

/// <summary>Applies a step's traffic rules through the providers.</summary>
internal sealed record RouteTraffic(int StepIndex, Lanes.RolloutController.Api.CanaryStep Step) : RolloutAction;
