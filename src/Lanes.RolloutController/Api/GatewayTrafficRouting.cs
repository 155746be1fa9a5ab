namespace Lanes.RolloutController.Api;

/// <summary>Gateway API routing.</summary>
public sealed class GatewayTrafficRouting
{
    /// <summary>Name of the HTTPRoute.</summary>
    public string? HttpRouteName { get; set; }
}
