namespace Lanes.AspNetCore.Entry;

/// <summary>A condition on one request header, query parameter or cookie, as in Kruise's <c>HttpHeaderMatch</c>.</summary>
public sealed class ValueMatchOptions
{
    /// <summary><c>Exact</c> (the whole value, case-sensitive) or <c>RegularExpression</c> (the pattern must match the whole value).</summary>
    /// <value>The default value is <c>Exact</c>.</value>
    public string Type { get; set; } = MatchTypes.Exact;

    /// <summary>The name: header names match case-insensitively, query parameter and cookie names exactly.</summary>
    public string? Name { get; set; }

    /// <summary>The value or pattern.</summary>
    public string? Value { get; set; }
}
