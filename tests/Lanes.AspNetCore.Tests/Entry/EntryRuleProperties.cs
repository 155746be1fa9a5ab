using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Files;
using Lanes.AspNetCore.Entry.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Lanes.AspNetCore.Tests.Entry;

/// <summary>
/// Hostile input for entry rules, 10,000 cases each: rules from configuration and rules files (JSON and YAML, any bytes,
/// truncated files) never throw, report every problem under the key or file that holds it, and a compiled rule set
/// applied to any request never throws and leaves exactly the rule's lane in the lane header.
/// </summary>
public class EntryRuleProperties
{
    private const int Cases = 10_000;
    private const string LaneHeader = "x-mse-tag";

    private static readonly Gen<string> s_token = Text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.", 1, 12);

    private static readonly Gen<string> s_lane = Text("abcdefghijklmnopqrstuvwxyz0123456789-", 1, 10).Where(l => l != Lane.BaseName);

    // What a careless or hostile author writes: control characters, separators, non-ASCII, runaway and nested
    // quantifiers, unbalanced groups, very long values.
    private static readonly Gen<string> s_hostile = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
        Text(" ,;=%\t\r\n\"\\\0éÿ€()[]{}*+?|^$.", 0, 30),
        Gen.Elements(
            "(a{1000}){1000}", "a{2147483647}", "(a+)+$", "(?<x>a)\\k<x>", "(?=a)b", "[", "(", "\\", "a{,5}", "(?i)GRAY",
            "\u0000", "gray\r\nx-mse-tag: blue", new string('a', 5000), new string('(', 300), "base", "GRAY", "gr ay"));

    private static readonly Gen<string?> s_name = Gen.Frequency(
        (1, Gen.Constant<string?>(null)),
        (1, Gen.Constant<string?>("")),
        (5, s_token.Select(static t => (string?)t)),
        (1, Gen.Constant<string?>(LaneHeader)),
        (2, s_hostile.Select(static t => (string?)t)));

    private static readonly Gen<string?> s_value = Gen.Frequency(
        (1, Gen.Constant<string?>(null)),
        (4, s_token.Select(static t => (string?)t)),
        (2, s_lane.Select(static t => (string?)t)),
        (3, s_hostile.Select(static t => (string?)t)));

    private static readonly Gen<string> s_type = Gen.Elements(
        MatchTypes.Exact, MatchTypes.RegularExpression, MatchTypes.PathPrefix, "exact", "", "Prefix", "Regex");

    private static readonly Gen<ValueMatchOptions> s_condition =
        from type in s_type
        from name in s_name
        from value in s_value
        select new ValueMatchOptions { Type = type, Name = name, Value = value };

    private static readonly Gen<EntryMatchOptions> s_match =
        from headers in Gen.Choose(0, 3).SelectMany(n => s_condition.ArrayOf(n))
        from query in Gen.Choose(0, 2).SelectMany(n => s_condition.ArrayOf(n))
        from cookies in Gen.Choose(0, 2).SelectMany(n => s_condition.ArrayOf(n))
        from path in Gen.Frequency(
            (3, Gen.Constant<PathMatchOptions?>(null)),
            (2, from type in s_type from value in s_value select (PathMatchOptions?)new PathMatchOptions { Type = type, Value = value! }))
        select Fill(new EntryMatchOptions { Path = path }, headers, query, cookies);

    private static readonly Gen<double?> s_percent = Gen.Frequency(
        (4, Gen.Constant<double?>(null)),
        (4, Gen.Choose(-5, 105).Select(static p => (double?)p)),
        (1, Gen.Elements<double?>(double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.5, 99.999, double.Epsilon)));

    private static readonly Gen<EntryRuleOptions> s_rule =
        from name in s_name
        from lane in Gen.Frequency((2, Gen.Constant<string?>(null)), (4, s_lane.Select(static l => (string?)l)), (1, s_value))
        from percent in s_percent
        from hashHeader in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, s_name))
        from hashCookie in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, s_name))
        from matches in Gen.Choose(0, 3).SelectMany(n => s_match.ArrayOf(n))
        from set in Gen.Choose(0, 2).SelectMany(n => (from h in s_name from v in s_value select new HeaderValueOptions { Name = h, Value = v }).ArrayOf(n))
        from add in Gen.Choose(0, 2).SelectMany(n => (from h in s_name from v in s_value select new HeaderValueOptions { Name = h, Value = v }).ArrayOf(n))
        from remove in Gen.Choose(0, 2).SelectMany(n => s_name.Select(static r => r ?? "").ArrayOf(n))
        select Rule(name, lane, percent, hashHeader, hashCookie, matches, set, add, remove);

    private static readonly Gen<HttpRequest> s_request =
        from path in Gen.OneOf(Gen.Elements("/", "/api", "/api/orders", "/a%20b", "//"), s_token.Select(static t => "/" + t))
        from query in Gen.OneOf(Gen.Constant(""), from k in s_token from v in s_hostile select "?" + Uri.EscapeDataString(k) + "=" + Uri.EscapeDataString(v.Length > 200 ? v[..200] : v))
        from headers in Gen.Choose(0, 4).SelectMany(n => (from h in Gen.OneOf(s_token, Gen.Constant(LaneHeader), Gen.Constant("User-Agent")) from v in s_hostile select (h, v)).ArrayOf(n))
        from cookie in Gen.OneOf(Gen.Constant(""), from k in s_token from v in s_hostile select $"{k}={v}")
        select Request(path, query, headers, cookie);

    [Property(MaxTest = Cases)]
    public Property ConfiguredRules_AnyOptions_NeverThrow_NameTheirKey_AndApplyLeavingExactlyTheirLane() =>
        Prop.ForAll(Gen.Choose(0, 3).SelectMany(n => s_rule.ArrayOf(n)).ToArbitrary(), s_request.ArrayOf(3).ToArbitrary(), (rules, requests) =>
        {
            var options = new LaneEntryOptions();
            options.Rules.AddRange(rules);
            var errors = new List<string>();
            var set = EntryRuleSet.Build(options, LaneHeader, errors);
            var misplaced = errors.Find(static e => !e.StartsWith("Lanes:Entry:Rules:", StringComparison.Ordinal));
            if (misplaced is not null)
            {
                return false.Label($"an error that names no rule key: {misplaced}");
            }

            return AppliesSafely(set, requests);
        });

    [Property(MaxTest = Cases)]
    public Property RulesFile_AnyBytes_NeverThrows_AndEveryErrorNamesTheFile()
    {
        var content = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>().Where(static b => b is not null),
            s_hostile.Select(static s => Encoding.UTF8.GetBytes(s)),
            Strategies.Select(static s => Encoding.UTF8.GetBytes(s.ToJsonString())).SelectMany(static b => Gen.Choose(0, b.Length).Select(n => Mutate(b, n))));
        return Prop.ForAll(content.ToArbitrary(), Gen.Elements("rules.json", "rules.yaml", "rules.yml").ToArbitrary(), (bytes, file) =>
        {
            var errors = new List<string>();
            var rules = RulesFileReader.Read(file, bytes, LaneHeader, errors);
            var misplaced = errors.Find(e => !e.StartsWith(file, StringComparison.Ordinal));
            return misplaced is null
                ? (rules.Count <= 2).Label($"{rules.Count} rules from one strategy")
                : false.Label($"an error that names no file: {misplaced}");
        });
    }

    [Property(MaxTest = Cases)]
    public Property RulesFile_AStrategy_ReadsTheSameInJsonAndYaml() =>
        Prop.ForAll(Strategies.ToArbitrary(), s_request.ArrayOf(4).ToArbitrary(), (strategy, requests) =>
        {
            var jsonErrors = new List<string>();
            var yamlErrors = new List<string>();
            var fromJson = RulesFileReader.Read("s.json", Encoding.UTF8.GetBytes(strategy.ToJsonString()), LaneHeader, jsonErrors);
            var fromYaml = RulesFileReader.Read("s.yaml", Encoding.UTF8.GetBytes(Yaml(strategy)), LaneHeader, yamlErrors);
            if (jsonErrors.Count != yamlErrors.Count || fromJson.Count != fromYaml.Count)
            {
                return false.Label($"JSON: {fromJson.Count} rules, [{string.Join(" | ", jsonErrors)}]\nYAML: {fromYaml.Count} rules, [{string.Join(" | ", yamlErrors)}]\n{Yaml(strategy)}");
            }

            for (var i = 0; i < fromJson.Count; i++)
            {
                if (fromJson[i].Lane != fromYaml[i].Lane || fromJson[i].Describe() != fromYaml[i].Describe())
                {
                    return false.Label($"rule {i}: {fromJson[i].Lane} {fromJson[i].Describe()} vs {fromYaml[i].Lane} {fromYaml[i].Describe()}");
                }

                // A share without a hash key admits requests at random, so only rules without one must agree on each request.
                var random = strategy.ContainsKey("weight") || strategy.ContainsKey("traffic");
                foreach (var request in random ? [] : requests)
                {
                    if (fromJson[i].Matches(request) != fromYaml[i].Matches(request))
                    {
                        return false.Label($"rule {i} matches differently at {request.Path}{request.QueryString}");
                    }
                }
            }

            return AppliesSafely(new EntryRuleSet([.. fromJson]), requests);
        });

    [Property(MaxTest = Cases)]
    public Property RulesFile_EveryStrictPrefixOfAJsonStrategy_IsRejected() =>
        Prop.ForAll(Strategies.ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(), (strategy, cut) =>
        {
            var bytes = Encoding.UTF8.GetBytes(strategy.ToJsonString());
            var length = cut % bytes.Length;
            var errors = new List<string>();
            var rules = RulesFileReader.Read("s.json", bytes.AsSpan(0, length), LaneHeader, errors);
            return (rules.Count == 0 && errors.Count > 0).Label($"the first {length} of {bytes.Length} bytes gave {rules.Count} rules: {Encoding.UTF8.GetString(bytes, 0, length)}");
        });

    [Fact]
    public void RulesFile_YamlTheScannerCannotRead_IsAnErrorNamingTheFile()
    {
        // Found by RulesFile_AnyBytes_NeverThrows_AndEveryErrorNamesTheFile: YamlDotNet's scanner throws
        // InvalidOperationException (not YamlException) on a NUL inside a plain scalar.
        byte[] bytes = [63, 10, 91, 32, 37, 59, 37, 46, 94, 37, 9, 0, 32, 10, 36, 37, 42];
        var errors = new List<string>();

        var rules = RulesFileReader.Read("rules.yml", bytes, LaneHeader, errors);

        Assert.Empty(rules);
        Assert.StartsWith("rules.yml: not valid YAML: ", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void RulesFile_YamlAliasBomb_IsRefusedWithinBoundedMemory()
    {
        // Nine references per level, nine levels: 387 million nodes if every alias were expanded.
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 9; level++)
        {
            var refs = string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 9));
            yaml.Append($"a{level}: &a{level} [{refs}]\n");
        }

        yaml.Append("matches: *a9\n");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var errors = new List<string>();

        var rules = RulesFileReader.Read("bomb.yaml", Encoding.UTF8.GetBytes(yaml.ToString()), LaneHeader, errors);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Empty(rules);
        Assert.StartsWith("bomb.yaml: not valid YAML: ", Assert.Single(errors), StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024 * 1024, $"reading the file allocated {allocated:N0} bytes");
    }

    // Kruise strategies as the controller's providers and people write them: matches, a share, a modifier.
    private static Gen<JsonObject> Strategies
    {
        get
        {
            var value = Gen.OneOf(s_token, s_lane, Gen.Elements("true", "123", "1.5", "null", "~", "a: b", "- x", "#c", "'q'", "\"d\"", " lead", "trail ", "é€", "[x]", "{y}", "x\ty"));
            var condition = from type in Gen.Elements(MatchTypes.Exact, MatchTypes.RegularExpression, "Bogus")
                            from name in Gen.OneOf(s_token, Gen.Constant("User-Agent"))
                            from v in value
                            select new JsonObject { ["type"] = type, ["name"] = name, ["value"] = v };
            var match = from headers in Gen.Choose(0, 2).SelectMany(n => condition.ArrayOf(n))
                        from query in Gen.Choose(0, 2).SelectMany(n => condition.ArrayOf(n))
                        from path in Gen.OneOf(Gen.Constant<JsonObject?>(null), from t in Gen.Elements("Exact", "PathPrefix", "RegularExpression") from v in Gen.Elements("/", "/api", "/a/b", "api", "/x.*") select (JsonObject?)new JsonObject { ["type"] = t, ["value"] = v })
                        select Match(headers, query, path);
            return from matches in Gen.Choose(0, 2).SelectMany(n => match.ArrayOf(n))
                   from share in Gen.Frequency((3, Gen.Constant<JsonNode?>(null)), (1, Gen.Choose(-1, 101).Select(static w => (JsonNode?)JsonValue.Create(w))), (1, Gen.Elements("20%", "0%", "100%", "5.5%", "101%", "20", "%").Select(static t => (JsonNode?)JsonValue.Create(t))))
                   from lane in Gen.OneOf(s_lane, Gen.Elements("base", "GRAY", ""))
                   from extraSet in Gen.Choose(0, 1).SelectMany(n => (from h in s_token from v in value select new JsonObject { ["name"] = h, ["value"] = v }).ArrayOf(n))
                   from add in Gen.Choose(0, 1).SelectMany(n => (from h in Gen.OneOf(s_token, Gen.Constant(LaneHeader)) from v in value select new JsonObject { ["name"] = h, ["value"] = v }).ArrayOf(n))
                   from remove in Gen.Choose(0, 1).SelectMany(n => s_token.ArrayOf(n))
                   select Strategy(matches, share, lane, extraSet, add, remove);
        }
    }

    private static JsonObject Match(JsonObject[] headers, JsonObject[] query, JsonObject? path)
    {
        var match = new JsonObject();
        if (headers.Length > 0)
        {
            match["headers"] = new JsonArray([.. headers]);
        }

        if (query.Length > 0)
        {
            match["queryParams"] = new JsonArray([.. query]);
        }

        if (path is not null)
        {
            match["path"] = path;
        }

        return match;
    }

    private static JsonObject Strategy(JsonObject[] matches, JsonNode? share, string lane, JsonObject[] extraSet, JsonObject[] add, string[] remove)
    {
        var strategy = new JsonObject();
        if (matches.Length > 0)
        {
            strategy["matches"] = new JsonArray([.. matches]);
        }

        if (share is not null)
        {
            strategy[share.GetValueKind() == System.Text.Json.JsonValueKind.Number ? "weight" : "traffic"] = share;
        }

        var set = new JsonArray(new JsonObject { ["name"] = LaneHeader, ["value"] = lane });
        foreach (var header in extraSet)
        {
            set.Add(header);
        }

        var modifier = new JsonObject { ["set"] = set };
        if (add.Length > 0)
        {
            modifier["add"] = new JsonArray([.. add]);
        }

        if (remove.Length > 0)
        {
            modifier["remove"] = new JsonArray([.. remove.Select(static r => (JsonNode)JsonValue.Create(r))]);
        }

        strategy["requestHeaderModifier"] = modifier;
        return strategy;
    }

    // Block-style YAML with every string double-quoted (escaped as YAML does), numbers plain.
    private static string Yaml(JsonNode node)
    {
        var text = new StringBuilder();
        WriteYaml(text, node, 0);
        return text.ToString();
    }

    private static void WriteYaml(StringBuilder text, JsonNode? node, int indent)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    text.Append(pad).Append(key).Append(':');
                    if (value is JsonObject or JsonArray)
                    {
                        text.Append('\n');
                        WriteYaml(text, value, indent + 2);
                    }
                    else
                    {
                        text.Append(' ').Append(Scalar(value)).Append('\n');
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    text.Append(pad).Append("-");
                    if (item is JsonObject or JsonArray)
                    {
                        text.Append('\n');
                        WriteYaml(text, item, indent + 2);
                    }
                    else
                    {
                        text.Append(' ').Append(Scalar(item)).Append('\n');
                    }
                }

                break;
        }
    }

    private static string Scalar(JsonNode? value)
    {
        if (value is null)
        {
            return "null";
        }

        if (value.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return value.ToJsonString();
        }

        var s = value.GetValue<string>();
        var quoted = new StringBuilder("\"");
        foreach (var c in s)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or '\u007f' => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    private static Property AppliesSafely(EntryRuleSet set, HttpRequest[] requests)
    {
        foreach (var request in requests)
        {
            var rule = set.Apply(request);
            if (rule is null)
            {
                continue;
            }

            rule.Modify(request.Headers);
            if (!rule.Lane.IsBase && (request.Headers[LaneHeader].Count != 1 || request.Headers[LaneHeader][0] != rule.Lane.Name))
            {
                return false.Label($"rule '{rule.Name}' of lane {rule.Lane} left {LaneHeader}: [{string.Join(" | ", request.Headers[LaneHeader].ToArray())}]");
            }
        }

        return true.ToProperty();
    }

    private static byte[] Mutate(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        if (at < copy.Length)
        {
            copy[at] = (byte)(copy[at] ^ 0x5A);
        }

        return copy;
    }

    private static EntryMatchOptions Fill(EntryMatchOptions match, ValueMatchOptions[] headers, ValueMatchOptions[] query, ValueMatchOptions[] cookies)
    {
        match.Headers.AddRange(headers);
        match.QueryParams.AddRange(query);
        match.Cookies.AddRange(cookies);
        return match;
    }

    private static EntryRuleOptions Rule(
        string? name, string? lane, double? percent, string? hashHeader, string? hashCookie, EntryMatchOptions[] matches,
        HeaderValueOptions[] set, HeaderValueOptions[] add, string[] remove)
    {
        var rule = new EntryRuleOptions { Name = name, Lane = lane, Percent = percent, HashKey = { Header = hashHeader, Cookie = hashCookie } };
        rule.Matches.AddRange(matches);
        rule.RequestHeaderModifier.Set.AddRange(set);
        rule.RequestHeaderModifier.Add.AddRange(add);
        rule.RequestHeaderModifier.Remove.AddRange(remove);
        return rule;
    }

    private static HttpRequest Request(string path, string query, (string Name, string Value)[] headers, string cookie)
    {
        var request = new DefaultHttpContext().Request;
        request.Path = path;
        request.QueryString = new QueryString(query.Length == 0 ? null : query);
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        if (cookie.Length > 0)
        {
            request.Headers.Append(HeaderNames.Cookie, cookie);
        }

        return request;
    }

    private static Gen<string> Text(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.Elements(alphabet.ToCharArray()).ArrayOf(n)).Select(static a => new string(a));
}
