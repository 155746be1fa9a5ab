using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Lanes.Propagation;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>
/// Compiles rule options into <see cref="EntryRule"/>s, checking every field against Kruise's limits. Each problem is
/// reported with the configuration key or rules-file field that holds it; a rule with problems is not compiled.
/// </summary>
internal static class EntryRuleCompiler
{
    /// <summary>Kruise's limit on conditions of one kind in a match and on header edits of one kind.</summary>
    public const int MaxItems = 16;

    /// <summary>Kruise's limit on a header name.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Kruise's limit on a match or header value.</summary>
    public const int MaxValueLength = 4096;

    /// <summary>Kruise's limit on a path match value.</summary>
    public const int MaxPathLength = 1024;

    public const string ConfigurationSource = "configuration";

    public static List<EntryRule> CompileConfiguration(List<EntryRuleOptions> rules, string laneHeader, List<string> errors)
    {
        var compiled = new List<EntryRule>(rules.Count);
        for (var r = 0; r < rules.Count; r++)
        {
            var key = FieldPath.Configuration($"{LaneEntryOptions.SectionName}:Rules:{r.ToString(CultureInfo.InvariantCulture)}");
            var options = rules[r];
            if (options.Matches.Count == 0 && options.Percent is null)
            {
                errors.Add($"{key.Field("Matches")}: a rule needs at least one match, or a Percent; an entry rule that matched everything would send all traffic into the lane.");
                continue;
            }

            var name = string.IsNullOrEmpty(options.Name) ? $"rule {r.ToString(CultureInfo.InvariantCulture)}" : options.Name;
            if (Compile(options, key, ConfigurationSource, name, laneHeader, errors) is { } rule)
            {
                compiled.Add(rule);
            }
        }

        return compiled;
    }

    public static EntryRule? Compile(EntryRuleOptions options, FieldPath key, string source, string name, string laneHeader, List<string> errors)
    {
        var errorCount = errors.Count;
        var gate = BuildGate(options, key, errors);

        var matches = new EntryMatch[options.Matches.Count];
        for (var m = 0; m < options.Matches.Count; m++)
        {
            matches[m] = BuildMatch(options.Matches[m], key.Field("Matches").Index(m), errors);
        }

        var modifier = options.RequestHeaderModifier;
        var modifierKey = key.Field("RequestHeaderModifier");
        var set = BuildHeaderValues(modifier.Set, modifierKey.Field("Set"), errors);
        var add = BuildHeaderValues(modifier.Add, modifierKey.Field("Add"), errors);
        CheckCount(modifier.Remove.Count, modifierKey.Field("Remove"), errors);
        for (var i = 0; i < modifier.Remove.Count; i++)
        {
            if (!HttpToken.IsToken(modifier.Remove[i]))
            {
                errors.Add($"{modifierKey.Field("Remove").Index(i)}: '{Shorten(modifier.Remove[i])}' is not a valid header name.");
            }
        }

        var lane = ResolveLane(options, set, key, laneHeader, errors);
        if (options.Percent is not null && lane.IsBase && errors.Count == errorCount)
        {
            errors.Add($"{key.Field("Lane")}: a Percent rule needs a lane to send its share into; set Lane, or have RequestHeaderModifier set {laneHeader}.");
        }

        return errors.Count != errorCount
            ? null
            : new EntryRule(name, source, lane, matches, gate, set, add, [.. modifier.Remove], laneHeader);
    }

    private static EntryMatch BuildMatch(EntryMatchOptions options, FieldPath key, List<string> errors)
    {
        if (options.Headers.Count == 0 && options.QueryParams.Count == 0 && options.Cookies.Count == 0 && options.Path is null)
        {
            errors.Add($"{key}: a match needs at least one condition (headers, queryParams, path or cookies); an empty match would send all traffic into the lane.");
        }

        CheckCount(options.Headers.Count, key.Field("Headers"), errors);
        CheckCount(options.QueryParams.Count, key.Field("QueryParams"), errors);
        CheckCount(options.Cookies.Count, key.Field("Cookies"), errors);
        var conditions = new List<ValueCondition>(options.Headers.Count + options.QueryParams.Count + options.Cookies.Count);
        AddConditions(conditions, ConditionKind.Header, options.Headers, key.Field("Headers"), errors);
        AddConditions(conditions, ConditionKind.QueryParameter, options.QueryParams, key.Field("QueryParams"), errors);
        AddConditions(conditions, ConditionKind.Cookie, options.Cookies, key.Field("Cookies"), errors);
        var path = options.Path is null ? null : BuildPath(options.Path, key.Field("Path"), errors);
        return new EntryMatch(path, [.. conditions]);
    }

    private static void AddConditions(List<ValueCondition> conditions, ConditionKind kind, List<ValueMatchOptions> options, FieldPath key, List<string> errors)
    {
        for (var i = 0; i < options.Count && i < MaxItems; i++)
        {
            if (BuildCondition(kind, options[i], key.Index(i), errors) is { } condition)
            {
                conditions.Add(condition);
            }
        }
    }

    private static ValueCondition? BuildCondition(ConditionKind kind, ValueMatchOptions options, FieldPath key, List<string> errors)
    {
        var valid = true;
        if (options.Name is { Length: > MaxNameLength })
        {
            errors.Add($"{key.Field("Name")}: is {options.Name.Length.ToString(CultureInfo.InvariantCulture)} characters long; the limit is {MaxNameLength.ToString(CultureInfo.InvariantCulture)}.");
            valid = false;
        }
        else if (kind == ConditionKind.QueryParameter ? string.IsNullOrEmpty(options.Name) : !HttpToken.IsToken(options.Name))
        {
            errors.Add($"{key.Field("Name")}: '{Shorten(options.Name)}' is not a valid {(kind == ConditionKind.Header ? "header" : kind == ConditionKind.Cookie ? "cookie" : "query parameter")} name.");
            valid = false;
        }

        if (options.Value is null)
        {
            errors.Add($"{key.Field("Value")}: is required.");
            return null;
        }

        if (options.Value.Length > MaxValueLength)
        {
            errors.Add($"{key.Field("Value")}: is {options.Value.Length.ToString(CultureInfo.InvariantCulture)} characters long; the limit is {MaxValueLength.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }

        if (string.Equals(options.Type, MatchTypes.Exact, StringComparison.OrdinalIgnoreCase))
        {
            return valid ? new ValueCondition(kind, options.Name!, options.Value, pattern: null) : null;
        }

        if (string.Equals(options.Type, MatchTypes.RegularExpression, StringComparison.OrdinalIgnoreCase))
        {
            var regex = BuildRegex(options.Value, key.Field("Value"), errors);
            return valid && regex is not null ? new ValueCondition(kind, options.Name!, options.Value, regex) : null;
        }

        errors.Add($"{key.Field("Type")}: '{Shorten(options.Type)}' is not a match type; use '{MatchTypes.Exact}' or '{MatchTypes.RegularExpression}'.");
        return null;
    }

    private static PathCondition? BuildPath(PathMatchOptions options, FieldPath key, List<string> errors)
    {
        var value = options.Value ?? "/";
        if (value.Length > MaxPathLength)
        {
            errors.Add($"{key.Field("Value")}: is {value.Length.ToString(CultureInfo.InvariantCulture)} characters long; the limit is {MaxPathLength.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }

        if (string.Equals(options.Type, MatchTypes.RegularExpression, StringComparison.OrdinalIgnoreCase))
        {
            var regex = BuildRegex(value, key.Field("Value"), errors);
            return regex is null ? null : new PathCondition(MatchTypes.RegularExpression, value, regex);
        }

        var type = string.Equals(options.Type, MatchTypes.Exact, StringComparison.OrdinalIgnoreCase) ? MatchTypes.Exact
            : string.Equals(options.Type, MatchTypes.PathPrefix, StringComparison.OrdinalIgnoreCase) ? MatchTypes.PathPrefix
            : null;
        if (type is null)
        {
            errors.Add($"{key.Field("Type")}: '{Shorten(options.Type)}' is not a path match type; use '{MatchTypes.Exact}', '{MatchTypes.PathPrefix}' or '{MatchTypes.RegularExpression}'.");
            return null;
        }

        if (!value.StartsWith('/') || value.AsSpan().ContainsAny('?', '#') || value.AsSpan().ContainsAnyInRange('\0', ' '))
        {
            errors.Add($"{key.Field("Value")}: '{Shorten(value)}' is not a path; it must start with '/' and hold no query, fragment, space or control character.");
            return null;
        }

        return new PathCondition(type, value, pattern: null);
    }

    private static Regex? BuildRegex(string pattern, FieldPath key, List<string> errors)
    {
        try
        {
            // Anchored to the whole value; non-backtracking so a hostile request cannot make matching slow.
            return new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            errors.Add($"{key}: '{Shorten(pattern)}' is not a usable regular expression: {ex.Message}");
            return null;
        }
    }

    private static PercentGate? BuildGate(EntryRuleOptions options, FieldPath key, List<string> errors)
    {
        var hashKey = options.HashKey;
        if (hashKey.Header is not null && !HttpToken.IsToken(hashKey.Header))
        {
            errors.Add($"{key.Field("HashKey").Field("Header")}: '{Shorten(hashKey.Header)}' is not a valid header name.");
        }

        if (hashKey.Cookie is not null && !HttpToken.IsToken(hashKey.Cookie))
        {
            errors.Add($"{key.Field("HashKey").Field("Cookie")}: '{Shorten(hashKey.Cookie)}' is not a valid cookie name.");
        }

        if (hashKey.Header is not null && hashKey.Cookie is not null)
        {
            errors.Add($"{key.Field("HashKey")}: set Header or Cookie, not both; only one of them could decide who is in the share.");
        }

        if (options.Percent is not { } percent)
        {
            if (hashKey.Header is not null || hashKey.Cookie is not null)
            {
                errors.Add($"{key.Field("HashKey")}: a hash key only makes sense with a Percent.");
            }

            return null;
        }

        if (!(percent >= 0 && percent <= 100))
        {
            errors.Add($"{key.Field("Percent")}: {percent.ToString(CultureInfo.InvariantCulture)} is outside 0 to 100.");
            return null;
        }

        // Seeded by the rule's lane, so the users in 10% of one lane are not the same users as in 10% of another.
        var seed = (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes((options.Lane ?? key.ToString()).AsSpan()));
        return new PercentGate(percent, hashKey.Header, hashKey.Cookie, seed);
    }

    private static Lane ResolveLane(EntryRuleOptions options, KeyValuePair<string, string>[] set, FieldPath key, string laneHeader, List<string> errors)
    {
        string? fromHeader = null;
        foreach (var (name, value) in set)
        {
            if (string.Equals(name, laneHeader, StringComparison.OrdinalIgnoreCase))
            {
                fromHeader = value;
            }
        }

        if (!string.IsNullOrEmpty(options.Lane))
        {
            if (!Lane.TryParse(options.Lane, out var lane))
            {
                errors.Add($"{key.Field("Lane")}: '{Shorten(options.Lane)}' is not a valid lane: {Lane.DescribeError(Lane.Validate(options.Lane))}.");
            }
            else if (fromHeader is not null && !string.Equals(fromHeader, options.Lane, StringComparison.Ordinal))
            {
                errors.Add($"{key}: Lane is '{options.Lane}' but RequestHeaderModifier sets {laneHeader} to '{Shorten(fromHeader)}'; they must agree.");
            }

            return lane;
        }

        if (fromHeader is null)
        {
            return Lane.Base;
        }

        if (!Lane.TryParse(fromHeader, out var headerLane))
        {
            errors.Add($"{key.Field("RequestHeaderModifier").Field("Set")}: the {laneHeader} value '{Shorten(fromHeader)}' is not a valid lane: {Lane.DescribeError(Lane.Validate(fromHeader))}.");
        }

        return headerLane;
    }

    private static KeyValuePair<string, string>[] BuildHeaderValues(List<HeaderValueOptions> values, FieldPath key, List<string> errors)
    {
        CheckCount(values.Count, key, errors);
        var result = new KeyValuePair<string, string>[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var itemKey = key.Index(i);
            if (values[i].Name is { Length: > MaxNameLength } || !HttpToken.IsToken(values[i].Name))
            {
                errors.Add($"{itemKey.Field("Name")}: '{Shorten(values[i].Name)}' is not a valid header name.");
            }

            var value = values[i].Value ?? string.Empty;
            if (value.Length > MaxValueLength)
            {
                errors.Add($"{itemKey.Field("Value")}: is {value.Length.ToString(CultureInfo.InvariantCulture)} characters long; the limit is {MaxValueLength.ToString(CultureInfo.InvariantCulture)}.");
            }
            else if (value.AsSpan().ContainsAny('\r', '\n') || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"{itemKey.Field("Value")}: must not contain line breaks.");
            }

            result[i] = new(values[i].Name ?? string.Empty, value);
        }

        return result;
    }

    private static void CheckCount(int count, FieldPath key, List<string> errors)
    {
        if (count > MaxItems)
        {
            errors.Add($"{key}: has {count.ToString(CultureInfo.InvariantCulture)} items; the limit is {MaxItems.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    // Error messages quote the input; keep them short and on one line whatever was sent.
    internal static string Shorten(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var shown = value.Length > 80 ? string.Concat(value.AsSpan(0, 80), "...") : value;
        return shown.ReplaceLineEndings("\\n");
    }
}
