namespace Lanes.RolloutController.Api;

/// <summary>Gateway API routing.</summary>
internal sealed class GatewayTrafficRouting
{
    /// <summary>Name of the HTTPRoute.</summary>
    public string? HttpRouteName { get; set; }
}
