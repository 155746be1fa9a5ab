namespace Lanes.AspNetCore.Entry;

/// <summary>A condition on the request path, as in Kruise's and Gateway API's <c>HTTPPathMatch</c>.</summary>
public sealed class PathMatchOptions
{
    /// <summary><c>Exact</c>, <c>PathPrefix</c> or <c>RegularExpression</c> (whole path).</summary>
    /// <value>The default value is <c>PathPrefix</c>.</value>
    public string Type { get; set; } = MatchTypes.PathPrefix;

    /// <summary>The path or pattern; starts with <c>/</c> for <c>Exact</c> and <c>PathPrefix</c>.</summary>
    /// <value>The default value is <c>/</c>.</value>
    public string Value { get; set; } = "/";
}
