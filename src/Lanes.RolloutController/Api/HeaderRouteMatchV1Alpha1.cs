namespace Lanes.RolloutController.Api;

/// <summary>v1alpha1 match: headers only.</summary>
internal sealed class HeaderRouteMatchV1Alpha1
{
    /// <summary>Header matches.</summary>
    public List<HttpValueMatch>? Headers { get; set; }
}
