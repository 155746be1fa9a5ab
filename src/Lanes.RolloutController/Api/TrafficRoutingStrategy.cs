namespace Lanes.RolloutController.Api;

/// <summary>The lane rule: weight, header matches and header rewrites.</summary>
internal sealed class TrafficRoutingStrategy
{
    /// <summary>Traffic percentage.</summary>
    public int? Weight { get; set; }

    /// <summary>Header matches, e.g. <c>User-Agent: xiaoming</c>.</summary>
    public List<HeaderRouteMatchV1Alpha1>? Matches { get; set; }

    /// <summary>Header rewrites, e.g. set <c>x-mse-tag: gray</c>.</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }
}
