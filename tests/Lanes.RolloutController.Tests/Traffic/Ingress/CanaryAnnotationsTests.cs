using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic.Ingress;

namespace Lanes.RolloutController.Tests.Traffic.Ingress;

/// <summary>The canary annotations against Kruise's nginx.lua and mse.lua, case by case.</summary>
public sealed class CanaryAnnotationsTests
{
    private const string N = "nginx.ingress.kubernetes.io/";
    private const string M = "mse.ingress.kubernetes.io/";

    [Fact]
    public void Mse_SeedStrategy_OnTheSeedIngress_IsExactlyWhatMseLuaWrites()
    {
        // Created at weight 0 from mse-ingress.yaml's annotations, then the TrafficRouting's strategy (no weight: -1).
        var created = MseCanaryAnnotations.Build(new Dictionary<string, string> { [M + "service-subset"] = "" }, 0, null, null);
        Assert.Equal(new Dictionary<string, string> { [M + "service-subset"] = "gray", [N + "canary"] = "true", [N + "canary-weight"] = "0" }, created);

        var step = MseCanaryAnnotations.Build(created, -1, [Header("Exact", "User-Agent", "xiaoming")], new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }] });
        Assert.Equal(new Dictionary<string, string>
        {
            [M + "service-subset"] = "gray",
            [N + "canary"] = "true",
            [M + "request-header-control-update"] = "x-mse-tag gray",
            [N + "canary-by-header"] = "User-Agent",
            [N + "canary-by-header-value"] = "xiaoming",
        }, step);
    }

    [Fact]
    public void Mse_HeaderControl_HasOneNameValuePerLine_FromSetOnly()
    {
        var modifier = new HttpHeaderFilter
        {
            Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }, new HttpHeader { Name = "x-user", Value = "xiaoming" }],
            Add = [new HttpHeader { Name = "ignored", Value = "by-mse.lua" }],
            Remove = ["also-ignored"],
        };

        var annotations = MseCanaryAnnotations.Build(null, 20, null, modifier);

        Assert.Equal("x-mse-tag gray\nx-user xiaoming", annotations[M + "request-header-control-update"]);
        Assert.Equal("20", annotations[N + "canary-weight"]);
    }

    [Fact]
    public void Mse_ServiceSubset_IsRewrittenOnlyWhereTheStableIngressHasIt()
    {
        Assert.False(MseCanaryAnnotations.Build(new Dictionary<string, string> { ["other"] = "x" }, 0, null, null).ContainsKey(M + "service-subset"));
        Assert.Equal("gray", MseCanaryAnnotations.Build(new Dictionary<string, string> { [M + "service-subset"] = "v1" }, 0, null, null)[M + "service-subset"]);
    }

    [Fact]
    public void Mse_QueryMatch_UsesTheFirstParameter_AndAStaleQueryRuleIsCleared()
    {
        var query = new HttpRouteMatch { QueryParams = [new HttpValueMatch { Type = "RegularExpression", Name = "user", Value = "^x.*" }, new HttpValueMatch { Name = "ignored", Value = "1" }] };
        var withQuery = MseCanaryAnnotations.Build(null, -1, [query], null);
        Assert.Equal("user", withQuery[N + "canary-by-query"]);
        Assert.Equal("^x.*", withQuery[N + "canary-by-query-pattern"]);
        Assert.False(withQuery.ContainsKey(N + "canary-by-query-value"));

        // mse.lua only clears the mse.* keys and would leave this rule in place for the next step.
        var next = MseCanaryAnnotations.Build(withQuery, 50, null, null);
        Assert.DoesNotContain(next.Keys, static k => k.Contains("canary-by-query", StringComparison.Ordinal));
        Assert.Equal("50", next[N + "canary-weight"]);
    }

    [Theory]
    [InlineData("Exact", "canary-by-header-value")]
    [InlineData(null, "canary-by-header-value")]
    [InlineData("RegularExpression", "canary-by-header-pattern")]
    public void Nginx_HeaderMatch_UsesValueOrPattern(string? type, string key)
    {
        var annotations = NginxCanaryAnnotations.Build(null, -1, [Header(type, "x-user", "42")]);

        Assert.Equal(new Dictionary<string, string> { [N + "canary"] = "true", [N + "canary-by-header"] = "x-user", [N + key] = "42" }, annotations);
    }

    [Fact]
    public void Nginx_CookieMatch_AndTheLastMatchWins()
    {
        var annotations = NginxCanaryAnnotations.Build(null, 10, [Header("Exact", "canary-by-cookie", "beta"), Header("Exact", "x-a", "1"), Header("Exact", "x-b", "2")]);

        Assert.Equal("beta", annotations[N + "canary-by-cookie"]);
        Assert.Equal("x-b", annotations[N + "canary-by-header"]);
        Assert.Equal("2", annotations[N + "canary-by-header-value"]);
        Assert.Equal("10", annotations[N + "canary-weight"]);
    }

    [Fact]
    public void Nginx_NoWeight_RemovesTheWeight_AndKeepsForeignAnnotations()
    {
        var annotations = NginxCanaryAnnotations.Build(new Dictionary<string, string> { [N + "canary-weight"] = "30", [N + "rewrite-target"] = "/" }, -1, null);

        Assert.Equal(new Dictionary<string, string> { [N + "canary"] = "true", [N + "rewrite-target"] = "/" }, annotations);
    }

    [Fact]
    public void AliyunAlb_UsesItsOwnPrefix_AndPutsTheCanaryRuleFirst()
    {
        var annotations = AlbIngressProvider.Annotations(null, 30, [Header("RegularExpression", "x-user", "^1")]);

        Assert.Equal(new Dictionary<string, string>
        {
            ["alb.ingress.kubernetes.io/order"] = "1",
            ["alb.ingress.kubernetes.io/canary"] = "true",
            ["alb.ingress.kubernetes.io/canary-weight"] = "30",
            ["alb.ingress.kubernetes.io/canary-by-header"] = "x-user",
            ["alb.ingress.kubernetes.io/canary-by-header-pattern"] = "^1",
        }, annotations);
    }

    [Property(MaxTest = 300)]
    public Property Nginx_StepOutputDependsOnlyOnTheStableAnnotationsAndTheStep(Dictionary<NonNull<string>, NonNull<string>> stable, int first, int second, NonNull<string> header)
    {
        var initial = stable.ToDictionary(static p => p.Key.Get, static p => p.Value.Get);
        var w1 = Math.Clamp(first, -1, 100);
        var w2 = Math.Clamp(second, -1, 100);
        var matches = new[] { Header("Exact", header.Get, "v") };
        var direct = NginxCanaryAnnotations.Build(initial, w2, matches);
        var afterAnotherStep = NginxCanaryAnnotations.Build(NginxCanaryAnnotations.Build(initial, w1, null), w2, matches);
        return (direct.Count == afterAnotherStep.Count && direct.All(p => afterAnotherStep.TryGetValue(p.Key, out var v) && v == p.Value)).ToProperty();
    }

    private static HttpRouteMatch Header(string? type, string name, string value) =>
        new() { Headers = [new HttpValueMatch { Type = type, Name = name, Value = value }] };
}
