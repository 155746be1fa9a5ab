namespace Lanes.RolloutController.Api;

/// <summary>A header name and value.</summary>
internal sealed class HttpHeader
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Value.</summary>
    public string Value { get; set; } = "";
}
