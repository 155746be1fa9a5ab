using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.AspNetCore.Entry;
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
        Assert.Equal("gray", headers[LaneHeader].ToString());
    }

    [Theory]
    [InlineData("Xiaoming")]
    [InlineData("xiaoming2")]
    [InlineData(" xiaoming")]
    public void ExactMatch_IsWholeValueAndCaseSensitive(string userAgent)
    {
        var headers = Headers(("User-Agent", userAgent));

        Assert.Null(Build(SeedRule()).Apply(headers));
        Assert.False(headers.ContainsKey(LaneHeader));
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
        Assert.Equal("blue", headers[LaneHeader].ToString());
    }

    [Fact]
    public void ExplicitLane_IsWrittenToTheLaneHeader_AndModifierEditsApply()
    {
        var rule = Rule("gray", ("Exact", "x-team", "qa"));
        rule.RequestHeaderModifier.Add.Add(new HeaderValueOptions { Name = "x-note", Value = "entered" });
        rule.RequestHeaderModifier.Remove.Add("x-secret");
        var headers = Headers(("x-team", "qa"), ("x-secret", "s"), (LaneHeader, "spoofed"));

        Build(rule).Apply(headers);

        Assert.Equal("gray", headers[LaneHeader].ToString());
        Assert.Equal("entered", headers["x-note"].ToString());
        Assert.False(headers.ContainsKey("x-secret"));
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
            match.Headers.Add(new HeaderMatchOptions { Type = type, Name = name, Value = value });
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

    private static HeaderDictionary Headers(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return dictionary;
    }
}
