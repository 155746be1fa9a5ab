using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Rules;
using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Tests.Entry;

public class EntryRuleSetTests
{
    private const string LaneHeader = "x-mse-tag";

    [Fact]
    public void SeedRule_UserAgentXiaoming_SetsGrayTag()
    {
        var rules = Build(SeedRule());
        var headers = Headers(("User-Agent", "xiaoming"));

        var rule = rules.Apply(headers);

        Assert.NotNull(rule);
        Assert.Equal("gray", rule.Lane.Name);
        Assert.Equal("gray", headers.Headers[LaneHeader].ToString());
    }

    [Theory]
    [InlineData("Xiaoming")]
    [InlineData("xiaoming2")]
    [InlineData(" xiaoming")]
    public void ExactMatch_IsWholeValueAndCaseSensitive(string userAgent)
    {
        var headers = Headers(("User-Agent", userAgent));

        Assert.Null(Build(SeedRule()).Apply(headers));
        Assert.False(headers.Headers.ContainsKey(LaneHeader));
    }

    [Fact]
    public void HeaderName_MatchesCaseInsensitively()
    {
        Assert.NotNull(Build(SeedRule()).Apply(Headers(("user-agent", "xiaoming"))));
    }

    [Fact]
    public void RegularExpression_MustMatchTheWholeValue()
    {
        var rule = Rule(lane: "gray", ("RegularExpression", "x-user-id", "1[0-9]{2}"));
        var rules = Build(rule);

        Assert.NotNull(rules.Apply(Headers(("x-user-id", "150"))));
        Assert.Null(rules.Apply(Headers(("x-user-id", "1500"))));
        Assert.Null(rules.Apply(Headers(("x-user-id", "a150"))));
    }

    [Fact]
    public void ConditionsInAMatch_AreAnded_MatchesAreOred()
    {
        var rule = new EntryRuleOptions { Lane = "gray" };
        rule.Matches.Add(Match(("Exact", "x-a", "1"), ("Exact", "x-b", "2")));
        rule.Matches.Add(Match(("Exact", "x-c", "3")));
        var rules = Build(rule);

        Assert.Null(rules.Apply(Headers(("x-a", "1"))));
        Assert.NotNull(rules.Apply(Headers(("x-a", "1"), ("x-b", "2"))));
        Assert.NotNull(rules.Apply(Headers(("x-c", "3"))));
    }

    [Fact]
    public void FirstMatchingRuleWins()
    {
        var rules = Build(Rule("blue", ("Exact", "x-team", "qa")), Rule("gray", ("Exact", "x-team", "qa")));
        var headers = Headers(("x-team", "qa"));

        Assert.Equal("blue", rules.Apply(headers)!.Lane.Name);
        Assert.Equal("blue", headers.Headers[LaneHeader].ToString());
    }

    [Fact]
    public void ExplicitLane_IsWrittenToTheLaneHeader_AndModifierEditsApply()
    {
        var rule = Rule("gray", ("Exact", "x-team", "qa"));
        rule.RequestHeaderModifier.Add.Add(new HeaderValueOptions { Name = "x-note", Value = "entered" });
        rule.RequestHeaderModifier.Remove.Add("x-secret");
        var headers = Headers(("x-team", "qa"), ("x-secret", "s"), (LaneHeader, "spoofed"));

        Build(rule).Apply(headers);

        Assert.Equal("gray", headers.Headers[LaneHeader].ToString());
        Assert.Equal("entered", headers.Headers["x-note"].ToString());
        Assert.False(headers.Headers.ContainsKey("x-secret"));
    }

    [Theory]
    [InlineData("Prefix", "Lanes:Entry:Rules:0:Matches:0:Headers:0:Type")]
    [InlineData("RegularExpression", "Lanes:Entry:Rules:0:Matches:0:Headers:0:Value")]
    public void InvalidCondition_IsReportedWithItsKey(string type, string key)
    {
        var errors = new List<string>();

        EntryRuleSet.Build(Options(Rule("gray", (type, "x-a", "(unclosed"))), LaneHeader, errors);

        Assert.Contains(errors, e => e.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void RuleProblems_AreReportedWithTheirKeys()
    {
        var noMatches = new EntryRuleOptions { Lane = "gray" };
        var badLane = Rule("Gray!", ("Exact", "x-a", "1"));
        var disagree = Rule("gray", ("Exact", "x-a", "1"));
        disagree.RequestHeaderModifier.Set.Add(new HeaderValueOptions { Name = LaneHeader, Value = "blue" });
        var badHeader = Rule("gray", ("Exact", "bad name", "1"));
        badHeader.RequestHeaderModifier.Set.Add(new HeaderValueOptions { Name = "x-b", Value = "a\r\nb" });
        var errors = new List<string>();

        var built = EntryRuleSet.Build(Options(noMatches, badLane, disagree, badHeader), LaneHeader, errors);

        Assert.True(built.IsEmpty);
        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:0:Matches", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:1:Lane", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:2", StringComparison.Ordinal) && e.Contains("must agree", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:3:Matches:0:Headers:0:Name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:3:RequestHeaderModifier:Set:0:Value", StringComparison.Ordinal));
    }

    [Fact]
    public void Percent_WithHashKey_IsStickyPerUser_AndCloseToTheShare()
    {
        var rule = new EntryRuleOptions { Lane = "gray", Percent = 20, HashKey = { Header = "x-user-id" } };
        var rules = Build(rule);

        var admitted = Enumerable.Range(0, 10_000).Count(i => rules.Apply(Headers(("x-user-id", $"user-{i}"))) is not null);
        var again = Enumerable.Range(0, 10_000).Count(i => rules.Apply(Headers(("x-user-id", $"user-{i}"))) is not null);
        var sameUser = Enumerable.Range(0, 50).Select(_ => rules.Apply(Headers(("x-user-id", "user-42"))) is not null).Distinct().Count();

        Assert.Equal(admitted, again);
        Assert.InRange(admitted, 1_800, 2_200);
        Assert.Equal(1, sameUser);
    }

    [Fact]
    public void Percent_ByCookie_AndCombinedWithHeaderMatches()
    {
        var rule = new EntryRuleOptions { Lane = "gray", Percent = 50, HashKey = { Cookie = "uid" } };
        rule.Matches.Add(Match(("Exact", "x-region", "eu")));
        var rules = Build(rule);

        var inEu = Enumerable.Range(0, 2_000).Count(i => rules.Apply(Headers(("x-region", "eu"), ("Cookie", $"uid={i}"))) is not null);
        var elsewhere = Enumerable.Range(0, 2_000).Count(i => rules.Apply(Headers(("x-region", "us"), ("Cookie", $"uid={i}"))) is not null);

        Assert.InRange(inEu, 800, 1_200);
        Assert.Equal(0, elsewhere);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(100, 1_000)]
    public void Percent_Bounds_AreExact(double percent, int expected)
    {
        var rules = Build(new EntryRuleOptions { Lane = "gray", Percent = percent });

        Assert.Equal(expected, Enumerable.Range(0, 1_000).Count(_ => rules.Apply(Headers()) is not null));
    }

    [Fact]
    public void Percent_WithoutKey_IsDrawnPerRequest()
    {
        var rules = Build(new EntryRuleOptions { Lane = "gray", Percent = 30, HashKey = { Header = "x-user-id" } });

        var admitted = Enumerable.Range(0, 10_000).Count(_ => rules.Apply(Headers()) is not null);

        Assert.InRange(admitted, 2_500, 3_500);
    }

    [Fact]
    public void DifferentLanes_DrawDifferentUsers()
    {
        var gray = Build(new EntryRuleOptions { Lane = "gray", Percent = 10, HashKey = { Header = "x-user-id" } });
        var blue = Build(new EntryRuleOptions { Lane = "blue", Percent = 10, HashKey = { Header = "x-user-id" } });

        var users = Enumerable.Range(0, 5_000).Select(i => $"user-{i}").ToArray();
        var both = users.Count(u => gray.Apply(Headers(("x-user-id", u))) is not null && blue.Apply(Headers(("x-user-id", u))) is not null);

        Assert.InRange(both, 0, 150);   // independent draws overlap about 1 %, identical ones 10 %
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    public void PercentOutOfRange_IsReportedWithItsKey(double percent)
    {
        var errors = new List<string>();

        EntryRuleSet.Build(Options(new EntryRuleOptions { Lane = "gray", Percent = percent }), LaneHeader, errors);

        Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Rules:0:Percent", StringComparison.Ordinal));
    }

    [Fact]
    public void PercentRuleWithoutALane_IsReportedWithItsKey()
    {
        var errors = new List<string>();

        EntryRuleSet.Build(Options(new EntryRuleOptions { Percent = 10, HashKey = { Header = "x-user-id" } }, new EntryRuleOptions { Lane = "base", Percent = 10 }), LaneHeader, errors);

        Assert.Equal(2, errors.Count(e => e.Contains(":Lane: a Percent rule needs a lane", StringComparison.Ordinal)));
        Assert.StartsWith("Lanes:Entry:Rules:0:Lane:", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Lanes:Entry:Rules:1:Lane:", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void BothHashKeyKinds_AreReportedWithTheirKey()
    {
        var errors = new List<string>();

        EntryRuleSet.Build(Options(new EntryRuleOptions { Lane = "gray", Percent = 10, HashKey = { Header = "x-user-id", Cookie = "uid" } }), LaneHeader, errors);

        Assert.Equal("Lanes:Entry:Rules:0:HashKey: set Header or Cookie, not both; only one of them could decide who is in the share.", Assert.Single(errors));
    }

    [Property(MaxTest = 500)]
    public Property Apply_NeverThrows_AndOnlyTheRuleValueMatches(NonNull<string> value)
    {
        var rules = Build(Rule("gray", ("RegularExpression", "x-user", "[a-z]+-(beta|qa)")), SeedRule());
        var headers = Headers(("x-user", value.Get), ("User-Agent", value.Get));

        var rule = rules.Apply(headers);

        var expected = System.Text.RegularExpressions.Regex.IsMatch(value.Get, "^(?:[a-z]+-(beta|qa))$") || value.Get == "xiaoming";
        return (rule is not null == expected).ToProperty();
    }

    internal static EntryRuleOptions SeedRule()
    {
        var rule = new EntryRuleOptions();
        rule.Matches.Add(Match(("Exact", "User-Agent", "xiaoming")));
        rule.RequestHeaderModifier.Set.Add(new HeaderValueOptions { Name = LaneHeader, Value = "gray" });
        return rule;
    }

    private static EntryRuleOptions Rule(string lane, params (string Type, string Name, string Value)[] conditions)
    {
        var rule = new EntryRuleOptions { Lane = lane };
        rule.Matches.Add(Match(conditions));
        return rule;
    }

    private static EntryMatchOptions Match(params (string Type, string Name, string Value)[] conditions)
    {
        var match = new EntryMatchOptions();
        foreach (var (type, name, value) in conditions)
        {
            match.Headers.Add(new ValueMatchOptions { Type = type, Name = name, Value = value });
        }

        return match;
    }

    private static LaneEntryOptions Options(params EntryRuleOptions[] rules)
    {
        var options = new LaneEntryOptions();
        options.Rules.AddRange(rules);
        return options;
    }

    private static EntryRuleSet Build(params EntryRuleOptions[] rules)
    {
        var errors = new List<string>();
        var set = EntryRuleSet.Build(Options(rules), LaneHeader, errors);
        Assert.Empty(errors);
        return set;
    }

    private static HttpRequest Headers(params (string Name, string Value)[] headers)
    {
        var request = new DefaultHttpContext().Request;
        foreach (var (name, value) in headers)
        {
            request.Headers[name] = value;
        }

        return request;
    }
}
