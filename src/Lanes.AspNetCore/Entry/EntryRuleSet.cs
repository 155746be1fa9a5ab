using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Lanes.Propagation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Lanes.AspNetCore.Entry;

/// <summary>The entry rules compiled once from configuration: regexes built, lanes parsed, header edits resolved.</summary>
internal sealed class EntryRuleSet
{
    private readonly EntryRule[] _rules;

    private EntryRuleSet(EntryRule[] rules) => _rules = rules;

    public static EntryRuleSet Empty { get; } = new([]);

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>
    /// Applies the first matching rule to the request headers.
    /// Returns the rule that matched, or <see langword="null"/>.
    /// </summary>
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

    /// <summary>Compiles the rules; problems go to <paramref name="errors"/> with the configuration key that holds them.</summary>
    public static EntryRuleSet Build(LaneEntryOptions options, string laneHeader, List<string> errors)
    {
        var rules = new List<EntryRule>(options.Rules.Count);
        for (var r = 0; r < options.Rules.Count; r++)
        {
            var key = $"{LaneEntryOptions.SectionName}:Rules:{r.ToString(CultureInfo.InvariantCulture)}";
            if (BuildRule(options.Rules[r], key, r, laneHeader, errors) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return new EntryRuleSet([.. rules]);
    }

    private static EntryRule? BuildRule(EntryRuleOptions options, string key, int position, string laneHeader, List<string> errors)
    {
        var errorCount = errors.Count;
        if (options.Matches.Count == 0 && options.Percent is null)
        {
            errors.Add($"{key}:Matches: a rule needs at least one match, or a Percent; an entry rule that matched everything would send all traffic into the lane.");
        }

        var gate = BuildGate(options, key, errors);

        var matches = new HeaderCondition[options.Matches.Count][];
        for (var m = 0; m < options.Matches.Count; m++)
        {
            var matchKey = $"{key}:Matches:{m.ToString(CultureInfo.InvariantCulture)}";
            var headers = options.Matches[m].Headers;
            if (headers.Count == 0)
            {
                errors.Add($"{matchKey}:Headers: a match needs at least one header condition.");
            }

            matches[m] = new HeaderCondition[headers.Count];
            for (var h = 0; h < headers.Count; h++)
            {
                matches[m][h] = BuildCondition(headers[h], $"{matchKey}:Headers:{h.ToString(CultureInfo.InvariantCulture)}", errors);
            }
        }

        var modifier = options.RequestHeaderModifier;
        var set = BuildHeaderValues(modifier.Set, $"{key}:RequestHeaderModifier:Set", errors);
        var add = BuildHeaderValues(modifier.Add, $"{key}:RequestHeaderModifier:Add", errors);
        for (var i = 0; i < modifier.Remove.Count; i++)
        {
            if (!HttpToken.IsToken(modifier.Remove[i]))
            {
                errors.Add($"{key}:RequestHeaderModifier:Remove:{i.ToString(CultureInfo.InvariantCulture)}: '{modifier.Remove[i]}' is not a valid header name.");
            }
        }

        var lane = ResolveLane(options, set, key, laneHeader, errors);
        if (options.Percent is not null && lane.IsBase && errors.Count == errorCount)
        {
            errors.Add($"{key}:Lane: a Percent rule needs a lane to send its share into; set Lane, or have RequestHeaderModifier set {laneHeader}.");
        }

        if (errors.Count != errorCount)
        {
            return null;
        }

        var name = string.IsNullOrEmpty(options.Name) ? $"rule {position.ToString(CultureInfo.InvariantCulture)}" : options.Name;
        return new EntryRule(name, lane, matches, gate, set, add, [.. modifier.Remove], laneHeader);
    }

    private static PercentGate? BuildGate(EntryRuleOptions options, string key, List<string> errors)
    {
        var hashKey = options.HashKey;
        if (hashKey.Header is not null && !HttpToken.IsToken(hashKey.Header))
        {
            errors.Add($"{key}:HashKey:Header: '{hashKey.Header}' is not a valid header name.");
        }

        if (hashKey.Cookie is not null && !HttpToken.IsToken(hashKey.Cookie))
        {
            errors.Add($"{key}:HashKey:Cookie: '{hashKey.Cookie}' is not a valid cookie name.");
        }

        if (hashKey.Header is not null && hashKey.Cookie is not null)
        {
            errors.Add($"{key}:HashKey: set Header or Cookie, not both; only one of them could decide who is in the share.");
        }

        if (options.Percent is not { } percent)
        {
            if (hashKey.Header is not null || hashKey.Cookie is not null)
            {
                errors.Add($"{key}:HashKey: a hash key only makes sense with a Percent.");
            }

            return null;
        }

        if (!(percent >= 0 && percent <= 100))
        {
            errors.Add($"{key}:Percent: {percent.ToString(CultureInfo.InvariantCulture)} is outside 0 to 100.");
            return null;
        }

        // Seeded by the rule's lane, so the users in 10% of one lane are not the same users as in 10% of another.
        var seed = (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes((options.Lane ?? key).AsSpan()));
        return new PercentGate(percent, hashKey.Header, hashKey.Cookie, seed);
    }

    private static Lane ResolveLane(EntryRuleOptions options, KeyValuePair<string, string>[] set, string key, string laneHeader, List<string> errors)
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
                errors.Add($"{key}:Lane: '{options.Lane}' is not a valid lane: {Lane.DescribeError(Lane.Validate(options.Lane))}.");
            }
            else if (fromHeader is not null && !string.Equals(fromHeader, options.Lane, StringComparison.Ordinal))
            {
                errors.Add($"{key}: Lane is '{options.Lane}' but RequestHeaderModifier sets {laneHeader} to '{fromHeader}'; they must agree.");
            }

            return lane;
        }

        if (fromHeader is null)
        {
            return Lane.Base;
        }

        if (!Lane.TryParse(fromHeader, out var headerLane))
        {
            errors.Add($"{key}:RequestHeaderModifier:Set: the {laneHeader} value '{fromHeader}' is not a valid lane: {Lane.DescribeError(Lane.Validate(fromHeader))}.");
        }

        return headerLane;
    }

    private static HeaderCondition BuildCondition(HeaderMatchOptions options, string key, List<string> errors)
    {
        if (!HttpToken.IsToken(options.Name))
        {
            errors.Add($"{key}:Name: '{options.Name}' is not a valid header name.");
        }

        if (options.Value is null)
        {
            errors.Add($"{key}:Value: is required.");
            return default;
        }

        if (string.Equals(options.Type, HeaderMatchTypes.Exact, StringComparison.OrdinalIgnoreCase))
        {
            return new HeaderCondition(options.Name ?? string.Empty, options.Value, null);
        }

        if (string.Equals(options.Type, HeaderMatchTypes.RegularExpression, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                // Anchored to the whole value; non-backtracking so a hostile header cannot make matching slow.
                var regex = new Regex($"^(?:{options.Value})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
                return new HeaderCondition(options.Name ?? string.Empty, options.Value, regex);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                errors.Add($"{key}:Value: '{options.Value}' is not a usable regular expression: {ex.Message}");
                return default;
            }
        }

        errors.Add($"{key}:Type: '{options.Type}' is not a header match type; use '{HeaderMatchTypes.Exact}' or '{HeaderMatchTypes.RegularExpression}'.");
        return default;
    }

    private static KeyValuePair<string, string>[] BuildHeaderValues(List<HeaderValueOptions> values, string key, List<string> errors)
    {
        var result = new KeyValuePair<string, string>[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var itemKey = $"{key}:{i.ToString(CultureInfo.InvariantCulture)}";
            if (!HttpToken.IsToken(values[i].Name))
            {
                errors.Add($"{itemKey}:Name: '{values[i].Name}' is not a valid header name.");
            }

            var value = values[i].Value ?? string.Empty;
            if (value.AsSpan().ContainsAny('\r', '\n'))
            {
                errors.Add($"{itemKey}:Value: must not contain line breaks.");
            }

            result[i] = new(values[i].Name ?? string.Empty, value);
        }

        return result;
    }

    /// <summary>Admits a share of requests: by a stable hash of the user's key when there is one, else at random.</summary>
    internal sealed class PercentGate(double percent, string? header, string? cookie, long seed)
    {
        private const int Buckets = 10_000;   // 0.01 % resolution
        private readonly int _threshold = (int)Math.Round(percent * (Buckets / 100));

        public bool Admits(HttpRequest request)
        {
            if (_threshold >= Buckets)
            {
                return true;
            }

            if (_threshold <= 0)
            {
                return false;
            }

            string? key = null;
            if (header is not null)
            {
                key = request.Headers[header].ToString();
            }
            else if (cookie is not null)
            {
                key = request.Cookies[cookie];
            }

            return string.IsNullOrEmpty(key)
                ? Random.Shared.Next(Buckets) < _threshold
                : Bucket(key, seed) < _threshold;
        }

        internal static int Bucket(string key, long seed) =>
            (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()), seed) % Buckets);
    }

    internal readonly record struct HeaderCondition(string Name, string Value, Regex? Pattern)
    {
        public bool Matches(IHeaderDictionary headers)
        {
            if (!headers.TryGetValue(Name, out var values))
            {
                return false;
            }

            for (var i = 0; i < values.Count; i++)
            {
                var value = values[i];
                if (value is not null && (Pattern is null ? string.Equals(value, Value, StringComparison.Ordinal) : Pattern.IsMatch(value)))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One compiled rule.</summary>
    internal sealed class EntryRule(
        string name,
        Lane lane,
        HeaderCondition[][] matches,
        PercentGate? gate,
        KeyValuePair<string, string>[] set,
        KeyValuePair<string, string>[] add,
        string[] remove,
        string laneHeader)
    {
        public string Name { get; } = name;

        public Lane Lane { get; } = lane;

        public bool Matches(HttpRequest request) =>
            (matches.Length == 0 || MatchesHeaders(request.Headers)) && (gate is null || gate.Admits(request));

        private bool MatchesHeaders(IHeaderDictionary headers)
        {
            for (var m = 0; m < matches.Length; m++)
            {
                var conditions = matches[m];
                var all = true;
                for (var c = 0; c < conditions.Length && all; c++)
                {
                    all = conditions[c].Matches(headers);
                }

                if (all)
                {
                    return true;
                }
            }

            return false;
        }

        public void Modify(IHeaderDictionary headers)
        {
            for (var i = 0; i < remove.Length; i++)
            {
                headers.Remove(remove[i]);
            }

            for (var i = 0; i < set.Length; i++)
            {
                headers[set[i].Key] = set[i].Value;
            }

            for (var i = 0; i < add.Length; i++)
            {
                headers.Append(add[i].Key, add[i].Value);
            }

            // A rule that names its lane without setting the header still has to carry it downstream.
            if (!Lane.IsBase)
            {
                headers[laneHeader] = Lane.Name;
            }
        }
    }
}
