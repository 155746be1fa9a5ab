using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>
/// An immutable, compiled set of entry rules: regexes built, lanes parsed, header edits resolved. A request reads the
/// set in force once and evaluates it start to end, so a reload never gives one request a mix of two sets.
/// </summary>
internal sealed class EntryRuleSet
{
    private readonly EntryRule[] _rules;

    public EntryRuleSet(EntryRule[] rules) => _rules = rules;

    public static EntryRuleSet Empty { get; } = new([]);

    public bool IsEmpty => _rules.Length == 0;

    public IReadOnlyList<EntryRule> Rules => _rules;

    /// <summary>Applies the first matching rule to the request headers; returns it, or <see langword="null"/>.</summary>
    public EntryRule? Apply(HttpRequest request)
    {
        var rules = _rules;
        for (var i = 0; i < rules.Length; i++)
        {
            if (rules[i].Matches(request))
            {
                rules[i].Modify(request.Headers);
                return rules[i];
            }
        }

        return null;
    }

    /// <summary>Compiles configuration rules; problems go to <paramref name="errors"/> with the configuration key that holds them.</summary>
    public static EntryRuleSet Build(LaneEntryOptions options, string laneHeader, List<string> errors) =>
        new([.. EntryRuleCompiler.CompileConfiguration(options.Rules, laneHeader, errors)]);

    /// <summary>One set out of several, in order.</summary>
    public static EntryRuleSet Concat(EntryRuleSet first, IReadOnlyList<EntryRule> then)
    {
        if (then.Count == 0)
        {
            return first;
        }

        var rules = new EntryRule[first._rules.Length + then.Count];
        first._rules.CopyTo(rules, 0);
        for (var i = 0; i < then.Count; i++)
        {
            rules[first._rules.Length + i] = then[i];
        }

        return new EntryRuleSet(rules);
    }
}
