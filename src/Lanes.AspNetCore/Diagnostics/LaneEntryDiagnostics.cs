using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Trust;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Diagnostics;

/// <summary>
/// The entry's state for a diagnostics page (Lanes.Yarp's <c>/lanes</c> page shows it): the trust boundary and the
/// entry rules in force, with the last reload that was turned down. Registered by <c>AddTrafficLanesEntry()</c>;
/// resolve it from the service provider.
/// </summary>
public sealed class LaneEntryDiagnostics
{
    private readonly EntryRules _rules;
    private readonly EntryGuard _guard;
    private readonly IOptions<LaneEntryOptions> _options;

    internal LaneEntryDiagnostics(EntryRules rules, EntryGuard guard, IOptions<LaneEntryOptions> options)
    {
        _rules = rules;
        _guard = guard;
        _options = options;
    }

    /// <summary>A snapshot of the entry's state now.</summary>
    public LaneEntryStatus GetStatus()
    {
        var ruleSet = _rules.Current.Rules;
        var rules = new List<EntryRuleStatus>(ruleSet.Count);
        foreach (var rule in ruleSet)
        {
            rules.Add(new EntryRuleStatus(rule.Name, rule.Source, rule.Lane.ToString(), rule.Describe()));
        }

        var options = _options.Value;
        return new LaneEntryStatus(options.Enabled ?? true, options.TrustedProxies, options.AllowedLanes, _guard.KeyCount, _rules.Directory, _rules.Status, rules);
    }
}
