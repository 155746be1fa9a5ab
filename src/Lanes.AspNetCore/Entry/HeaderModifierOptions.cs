namespace Lanes.AspNetCore.Entry;

/// <summary>Header changes on a matching request, as in Gateway API's <c>HTTPHeaderFilter</c>.</summary>
public sealed class HeaderModifierOptions
{
    /// <summary>Headers set, replacing any value the request had.</summary>
    public List<HeaderValueOptions> Set { get; } = [];

    /// <summary>Headers added beside any value the request had.</summary>
    public List<HeaderValueOptions> Add { get; } = [];

    /// <summary>Headers removed.</summary>
    public List<string> Remove { get; } = [];
}
