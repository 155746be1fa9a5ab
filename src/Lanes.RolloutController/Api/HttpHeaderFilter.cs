namespace Lanes.RolloutController.Api;

/// <summary>Gateway API HTTPHeaderFilter.</summary>
internal sealed class HttpHeaderFilter
{
    /// <summary>Headers to set.</summary>
    public List<HttpHeader>? Set { get; set; }

    /// <summary>Headers to add.</summary>
    public List<HttpHeader>? Add { get; set; }

    /// <summary>Header names to remove.</summary>
    public List<string>? Remove { get; set; }
}
