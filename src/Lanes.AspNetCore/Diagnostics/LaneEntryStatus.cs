using Lanes.AspNetCore.Entry;

namespace Lanes.AspNetCore.Diagnostics;

/// <summary>The entry's state at one moment, as <see cref="LaneEntryDiagnostics.GetStatus"/> gives it.</summary>
/// <param name="Enabled">Whether this process is an entry (<c>Lanes:Entry:Enabled</c>).</param>
/// <param name="TrustedProxies">The callers whose lane is kept, as configured.</param>
/// <param name="AllowedLanes">The lanes the entry may assign or keep; empty when any lane is allowed.</param>
/// <param name="TokenKeys">How many signing keys for lane tokens are loaded.</param>
/// <param name="RulesDirectory">The directory the rules files are read from, or <see langword="null"/>.</param>
/// <param name="Rules">The version of the rule set in force, its sources and the last reload that was turned down.</param>
/// <param name="RulesInForce">The rules in force, in the order they are tried.</param>
public sealed record LaneEntryStatus(
    bool Enabled,
    IReadOnlyList<string> TrustedProxies,
    IReadOnlyList<string> AllowedLanes,
    int TokenKeys,
    string? RulesDirectory,
    EntryRulesStatus Rules,
    IReadOnlyList<EntryRuleStatus> RulesInForce);
