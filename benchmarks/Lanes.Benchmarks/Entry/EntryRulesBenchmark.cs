using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Files;
using Lanes.AspNetCore.Entry.Rules;
using Lanes.AspNetCore.Entry.Trust;
using Microsoft.AspNetCore.Http;

namespace Lanes.Benchmarks.Entry;

/// <summary>
/// The entry's per-request work on a reused request: evaluating the rule set in force (first match wins) and checking a
/// lane token. Rule sets come from rules files exactly as the directory reader compiles them.
/// </summary>
[MemoryDiagnoser]
public class EntryRulesBenchmark
{
    private EntryRuleSet _seed = null!;
    private EntryRuleSet _sixteen = null!;
    private HttpRequest _curl = null!;
    private HttpRequest _xiaoming = null!;
    private HttpRequest _lastRule = null!;
    private LaneTokenKeys _keys = null!;
    private string _token = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _seed = Compile(("gray.json", """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}"""));

        // 16 files, each a header regex, a query parameter and a path prefix; the request matches only the last.
        var files = new (string, string)[16];
        for (var i = 0; i < files.Length; i++)
        {
            files[i] = ($"r{i:D2}.json", $$$"""{"matches":[{"path":{"type":"PathPrefix","value":"/api/v{{{i}}}"},"headers":[{"type":"RegularExpression","name":"x-user-id","value":"user-[0-9]+"}],"queryParams":[{"name":"canary","value":"{{{i}}}"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"lane-{{{i}}}"}]}}""");
        }

        _sixteen = Compile(files);
        _curl = Request("/a", string.Empty, ("User-Agent", "curl/8.5.0"));
        _xiaoming = Request("/a", string.Empty, ("User-Agent", "xiaoming"));
        _lastRule = Request("/api/v15/orders", "?canary=15", ("x-user-id", "user-42"));

        var key = RandomNumberGenerator.GetBytes(32);
        var options = new LaneTokenOptions();
        options.Keys["k1"] = Convert.ToBase64String(key);
        _keys = LaneTokenKeys.Load(options, [], []);
        _token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddHours(1), "tester@example.com", "k1", key);
        _now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    [Benchmark(Baseline = true)]
    public bool SeedRule_NoMatch() => _seed.Apply(_curl) is not null;

    [Benchmark]
    public bool SeedRule_Match() => _seed.Apply(_xiaoming) is not null;

    [Benchmark]
    public bool SixteenRules_NoMatch() => _sixteen.Apply(_curl) is not null;

    [Benchmark]
    public bool SixteenRules_LastMatches() => _sixteen.Apply(_lastRule) is not null;

    [Benchmark]
    public bool LaneToken_Verify() => LaneToken.Verify(_token, _keys, _now, out _) == TokenVerdict.Valid;

    private static EntryRuleSet Compile(params (string Name, string Json)[] files)
    {
        var errors = new List<string>();
        var rules = new List<EntryRule>();
        foreach (var (name, json) in files)
        {
            rules.AddRange(RulesFileReader.Read(name, Encoding.UTF8.GetBytes(json), "x-mse-tag", errors));
        }

        return errors.Count == 0 ? new EntryRuleSet([.. rules]) : throw new InvalidOperationException(string.Join("; ", errors));
    }

    private static HttpRequest Request(string path, string query, params (string Name, string Value)[] headers)
    {
        var request = new DefaultHttpContext().Request;
        request.Path = path;
        request.QueryString = new QueryString(query.Length == 0 ? null : query);
        foreach (var (name, value) in headers)
        {
            request.Headers[name] = value;
        }

        _ = request.Query.Count;   // parsed once per request by ASP.NET Core; not what is measured
        return request;
    }
}
