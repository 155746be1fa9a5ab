namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>What the entry's trust check decided about a request.</summary>
internal enum EntryVerdict
{
    /// <summary>Go on: any lane the client was not entitled to choose is gone.</summary>
    Admitted,

    /// <summary>A header is too large: answer 431 before any rule runs.</summary>
    HeaderTooLarge,
}
