namespace Lanes.AspNetCore.Entry;

/// <summary>The rule set in force and the last reload that was turned down, for the diagnostics page.</summary>
/// <param name="Version">Grows by one with every accepted reload; 1 is the set loaded at start.</param>
/// <param name="LoadedAt">When the set in force was loaded.</param>
/// <param name="Sources">Where its rules came from: <c>configuration</c> and the rules files, in order.</param>
/// <param name="LastRejected">The last reload that was turned down, or <see langword="null"/>.</param>
public sealed record EntryRulesStatus(long Version, DateTimeOffset LoadedAt, IReadOnlyList<string> Sources, RejectedReload? LastRejected);

/// <summary>A reload that was turned down: the rules in force stayed.</summary>
/// <param name="At">When.</param>
/// <param name="Source"><c>configuration</c> or the rules directory.</param>
/// <param name="Errors">What was wrong, each naming the file or key and the field.</param>
public sealed record RejectedReload(DateTimeOffset At, string Source, IReadOnlyList<string> Errors);
