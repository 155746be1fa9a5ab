namespace Lanes.AspNetCore.Entry;

/// <summary>A condition on one request header, as in Kruise's <c>HttpHeaderMatch</c>.</summary>
public sealed class HeaderMatchOptions
{
    /// <summary><c>Exact</c> (the whole value, case-sensitive) or <c>RegularExpression</c> (the pattern must match the whole value).</summary>
    /// <value>The default value is <c>Exact</c>.</value>
    public string Type { get; set; } = HeaderMatchTypes.Exact;

    /// <summary>The header name, matched case-insensitively.</summary>
    public string? Name { get; set; }

    /// <summary>The value or pattern.</summary>
    public string? Value { get; set; }
}
