namespace Lanes.AspNetCore.Entry;

/// <summary>A header name and value.</summary>
public sealed class HeaderValueOptions
{
    /// <summary>The header name.</summary>
    public string? Name { get; set; }

    /// <summary>The header value.</summary>
    public string? Value { get; set; }
}
