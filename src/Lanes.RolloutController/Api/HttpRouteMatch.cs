namespace Lanes.RolloutController.Api;

/// <summary>A request match (Gateway API shape).</summary>
internal sealed class HttpRouteMatch
{
    /// <summary>Path match.</summary>
    public HttpPathMatch? Path { get; set; }

    /// <summary>Header matches, all of which must hold.</summary>
    public List<HttpValueMatch>? Headers { get; set; }

    /// <summary>Query parameter matches.</summary>
    public List<HttpValueMatch>? QueryParams { get; set; }
}
