namespace Lanes.AspNetCore.Entry;

/// <summary>One alternative of an entry rule: every condition in it must hold.</summary>
public sealed class EntryMatchOptions
{
    /// <summary>Header conditions.</summary>
    public List<ValueMatchOptions> Headers { get; } = [];

    /// <summary>Query parameter conditions (Kruise v1beta1 <c>queryParams</c>).</summary>
    public List<ValueMatchOptions> QueryParams { get; } = [];

    /// <summary>Cookie conditions (as MSE's entry rules have them).</summary>
    public List<ValueMatchOptions> Cookies { get; } = [];

    /// <summary>A path condition (Kruise v1beta1 <c>path</c>); unset matches every path.</summary>
    public PathMatchOptions? Path { get; set; }
}
