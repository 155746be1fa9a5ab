using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.AspNetCore.Entry.Files;
using Lanes.AspNetCore.Entry.Rules;
using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Tests.Entry.Files;

public class RulesFileReaderTests
{
    private const string LaneHeader = "x-mse-tag";

    // The controller's `lanes` traffic provider writes exactly this for the seed's TrafficRouting.
    private const string SeedStrategy = """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""";

    [Fact]
    public void SeedStrategy_OpensTheLaneItsModifierSets()
    {
        var rules = Read("gray.json", SeedStrategy);

        var rule = Assert.Single(rules);
        Assert.Equal("gray", rule.Lane.Name);
        Assert.Equal("gray.json", rule.Source);
        Assert.True(rule.Matches(Request(headers: [("User-Agent", "xiaoming")])));
        Assert.False(rule.Matches(Request(headers: [("User-Agent", "xiaoming ")])));
    }

    [Fact]
    public void Yaml_ReadsTheSameAsJson()
    {
        const string yaml = """
            matches:
            - headers:
              - type: RegularExpression
                name: x-user-id
                value: "1[0-9]{2}"
              queryParams:
              - name: canary
                value: "true"
              path:
                type: PathPrefix
                value: /api
            requestHeaderModifier:
              set:
              - name: x-mse-tag
                value: gray
            """;
        var rule = Assert.Single(Read("gray.yaml", yaml));

        Assert.True(rule.Matches(Request("/api/orders", "?canary=true", [("x-user-id", "150")])));
        Assert.False(rule.Matches(Request("/apix", "?canary=true", [("x-user-id", "150")])));
        Assert.False(rule.Matches(Request("/api", "?canary=false", [("x-user-id", "150")])));
        Assert.False(rule.Matches(Request("/api", "?canary=true", [("x-user-id", "1500")])));
    }

    [Theory]
    [InlineData("Exact", "/a", "/a", true)]
    [InlineData("Exact", "/a", "/a/", false)]
    [InlineData("PathPrefix", "/a/", "/a", true)]
    [InlineData("PathPrefix", "/a", "/a/b", true)]
    [InlineData("PathPrefix", "/a", "/ab", false)]
    [InlineData("PathPrefix", "/", "/anything", true)]
    [InlineData("RegularExpression", "/a/[0-9]+", "/a/12", true)]
    [InlineData("RegularExpression", "/a/[0-9]+", "/a/12/x", false)]
    public void PathMatch_FollowsGatewayApi(string type, string value, string path, bool matches)
    {
        var rule = Assert.Single(Read("p.json", $$$"""{"matches":[{"path":{"type":"{{{type}}}","value":"{{{value}}}"}}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}"""));

        Assert.Equal(matches, rule.Matches(Request(path)));
    }

    [Fact]
    public void MatchesAndTraffic_AreAlternatives_AsInKruise()
    {
        var rules = Read("gray.json", """{"matches":[{"headers":[{"name":"x-qa","value":"1"}]}],"traffic":"100%","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""");

        Assert.Equal(2, rules.Count);
        Assert.True(rules[0].Matches(Request(headers: [("x-qa", "1")])));
        Assert.True(rules[1].Matches(Request()));   // the share applies to everything else
    }

    [Theory]
    [InlineData("""{"weight":30,"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""")]
    [InlineData("""{"traffic":"30%","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""")]
    public void WeightAndTraffic_AdmitTheirShare(string json)
    {
        var rule = Assert.Single(Read("gray.json", json));

        var admitted = Enumerable.Range(0, 10_000).Count(_ => rule.Matches(Request()));

        Assert.InRange(admitted, 2_700, 3_300);
    }

    [Fact]
    public void EmptyStrategy_OpensNothing()
    {
        Assert.Empty(Read("off.json", "{}"));
    }

    [Theory]
    [InlineData("a.json", """{"matches":[{"headers":[{"type":"Prefix","name":"x","value":"1"}]}]}""", "a.json: matches[0].headers[0].type")]
    [InlineData("a.json", """{"matches":[{"headers":[{"type":"RegularExpression","name":"x","value":"(unclosed"}]}]}""", "a.json: matches[0].headers[0].value")]
    [InlineData("a.json", """{"matches":[{"path":{"type":"Suffix","value":"/a"}}]}""", "a.json: matches[0].path.type")]
    [InlineData("a.json", """{"weight":101}""", "a.json: weight")]
    [InlineData("a.json", """{"weight":-1}""", "a.json: weight")]
    [InlineData("a.json", """{"traffic":"150%"}""", "a.json: traffic")]
    [InlineData("a.json", """{"traffic":"often"}""", "a.json: traffic")]
    [InlineData("a.json", """{"weight":10,"traffic":"10%"}""", "a.json: both weight")]
    [InlineData("a.json", """{"matches":[{"headers":[{"name":"x","value":"1"}],"cookies":[]}]}""", "a.json: matches[0]: unknown field 'cookies'")]
    [InlineData("a.json", """{"Weight":10}""", "a.json: unknown field 'Weight'")]
    [InlineData("a.json", """{"matches":[{}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""", "a.json: matches[0]: a match needs")]
    [InlineData("a.json", """{"matches":[{"headers":[{"name":"x","value":"1"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"Gray!"}]}}""", "a.json: requestHeaderModifier.set")]
    [InlineData("a.json", "not json", "a.json: not valid JSON")]
    [InlineData("a.json", "", "a.json: is empty")]
    [InlineData("a.yaml", "matches: [unclosed", "a.yaml: not valid YAML")]
    [InlineData("a.yaml", "weight: 10\nextra: 1", "a.yaml: unknown field 'extra'")]
    [InlineData("a.txt", "{}", "a.txt: not a rules file")]
    public void BadFile_IsRejected_NamingFileAndField(string file, string content, string expected)
    {
        var errors = new List<string>();

        RulesFileReader.Read(file, Encoding.UTF8.GetBytes(content), LaneHeader, errors);

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void KruiseLimits_SeventeenHeadersOrALongValue_AreRejected()
    {
        var headers = string.Join(',', Enumerable.Range(0, 17).Select(i => $$"""{"name":"x-{{i}}","value":"1"}"""));
        var seventeen = new List<string>();
        var longValue = new List<string>();

        RulesFileReader.Read("a.json", Encoding.UTF8.GetBytes($$"""{"matches":[{"headers":[{{headers}}]}]}"""), LaneHeader, seventeen);
        RulesFileReader.Read("b.json", Encoding.UTF8.GetBytes($$"""{"matches":[{"headers":[{"name":"x","value":"{{new string('v', 4097)}}"}]}]}"""), LaneHeader, longValue);

        Assert.Contains(seventeen, e => e.StartsWith("a.json: matches[0].headers: has 17 items; the limit is 16", StringComparison.Ordinal));
        Assert.Contains(longValue, e => e.StartsWith("b.json: matches[0].headers[0].value: is 4097 characters long", StringComparison.Ordinal));
    }

    [Property(MaxTest = 300)]
    public Property AnyContent_NeverThrows(NonNull<string> content, bool yaml)
    {
        var errors = new List<string>();
        var rules = RulesFileReader.Read(yaml ? "f.yaml" : "f.json", Encoding.UTF8.GetBytes(content.Get), LaneHeader, errors);
        return (rules.Count == 0 || errors.Count == 0).ToProperty();
    }

    private static List<EntryRule> Read(string file, string content)
    {
        var errors = new List<string>();
        var rules = RulesFileReader.Read(file, Encoding.UTF8.GetBytes(content), LaneHeader, errors);
        Assert.Empty(errors);
        return rules;
    }

    internal static HttpRequest Request(string path = "/", string query = "", (string Name, string Value)[]? headers = null)
    {
        var request = new DefaultHttpContext().Request;
        request.Path = path;
        request.QueryString = new QueryString(query.Length == 0 ? null : query);
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers[name] = value;
        }

        return request;
    }
}
