namespace Lanes.AspNetCore.Diagnostics;

/// <summary>One entry rule in force.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Source">Where it came from: <c>configuration</c> or a rules file.</param>
/// <param name="Lane">The lane it assigns.</param>
/// <param name="Matches">What a request must match, in words.</param>
public sealed record EntryRuleStatus(string Name, string Source, string Lane, string Matches);
