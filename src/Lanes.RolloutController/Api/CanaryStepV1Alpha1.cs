namespace Lanes.RolloutController.Api;

/// <summary>v1alpha1 step: <c>weight</c> instead of <c>traffic</c>, header-only matches.</summary>
internal sealed class CanaryStepV1Alpha1
{
    /// <summary>Traffic percentage.</summary>
    public int? Weight { get; set; }

    /// <summary>Header matches.</summary>
    public List<HeaderRouteMatchV1Alpha1>? Matches { get; set; }

    /// <summary>Headers rewritten on canary traffic.</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }

    /// <summary>Canary replicas; defaults to the weight as a percentage.</summary>
    public IntOrPercent? Replicas { get; set; }

    /// <summary>Pause after the step.</summary>
    public RolloutPause? Pause { get; set; }
}
