namespace Lanes.AspNetCore.Entry;

/// <summary>One alternative of an entry rule: every header condition must match.</summary>
public sealed class EntryMatchOptions
{
    /// <summary>The header conditions, all of which must match.</summary>
    public List<HeaderMatchOptions> Headers { get; } = [];
}
