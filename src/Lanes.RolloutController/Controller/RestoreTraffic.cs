namespace Lanes.RolloutController.Controller;

/// <summary>Routes all traffic back to stable through the providers.</summary>
internal sealed record RestoreTraffic() : RolloutAction;
