namespace Lanes.Nacos.Subscriptions;

/// <summary>What happened to an instance list offered to a subscription.</summary>
internal enum ApplyResult
{
    /// <summary>The list differed and replaced the previous one; the change token fired.</summary>
    Changed,

    /// <summary>The list was the same as the current one.</summary>
    Unchanged,

    /// <summary>The list was malformed or partial; the last good one stays.</summary>
    Rejected,

    /// <summary>The list was older than the current one, or empty under empty-push protection.</summary>
    Ignored,
}
