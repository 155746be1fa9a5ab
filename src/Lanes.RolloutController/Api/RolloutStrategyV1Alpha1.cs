namespace Lanes.RolloutController.Api;

/// <summary>v1alpha1 strategy.</summary>
internal sealed class RolloutStrategyV1Alpha1
{
    /// <summary>Pauses the whole release.</summary>
    public bool Paused { get; set; }

    /// <summary>Canary release in steps.</summary>
    public CanaryStrategyV1Alpha1? Canary { get; set; }
}
