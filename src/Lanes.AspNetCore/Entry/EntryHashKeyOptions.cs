namespace Lanes.AspNetCore.Entry;

/// <summary>The request value a percentage rule hashes, so the same user always lands in the same lane.</summary>
public sealed class EntryHashKeyOptions
{
    /// <summary>A request header that identifies the user, for example <c>x-user-id</c>.</summary>
    public string? Header { get; set; }

    /// <summary>A cookie that identifies the user or session, used when <see cref="Header"/> is unset.</summary>
    public string? Cookie { get; set; }
}
