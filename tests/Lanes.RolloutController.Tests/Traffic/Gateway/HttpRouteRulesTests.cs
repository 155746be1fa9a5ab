using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Traffic.Gateway;

namespace Lanes.RolloutController.Tests.Traffic.Gateway;

public sealed class HttpRouteRulesTests
{
    private const string Rules = """
        [{"matches":[{"path":{"type":"PathPrefix","value":"/shop"}}],
          "backendRefs":[{"name":"web","port":80}]},
         {"matches":[{"path":{"type":"PathPrefix","value":"/admin"}}],
          "backendRefs":[{"kind":"Service","name":"admin","port":80}]}]
        """;

    [Fact]
    public void HeaderMatch_BecomesACloneOfTheStableRule_ToTheCanary_WithTheHeaderFilter()
    {
        var strategy = new TrafficStrategy
        {
            Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Type = "Exact", Name = "User-Agent", Value = "xiaoming" }], QueryParams = [new HttpValueMatch { Type = "Exact", Name = "beta", Value = "1" }] }],
            RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }] },
        };

        var rules = HttpRouteRules.Build(Parse(Rules), "web", "web-canary", strategy);

        Assert.Equal(3, rules.Count);
        Assert.True(JsonNode.DeepEquals(Parse(Rules)[0], rules[0]));
        Assert.True(JsonNode.DeepEquals(Parse(Rules)[1], rules[1]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"matches":[{"path":{"type":"PathPrefix","value":"/shop"},
                         "headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}],
                         "queryParams":[{"type":"Exact","name":"beta","value":"1"}]}],
             "backendRefs":[{"name":"web-canary","port":80}],
             "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}]}
            """), rules[2]), rules[2]!.ToJsonString());
    }

    [Fact]
    public void Weight_BecomesBackendRefWeights_AndTheHeaderFilterGoesOnTheCanaryRef()
    {
        var strategy = new TrafficStrategy { Traffic = "20%", RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }] } };

        var rules = HttpRouteRules.Build(Parse(Rules), "web", "web-canary", strategy);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"name":"web","port":80,"weight":80},
             {"name":"web-canary","port":80,"weight":20,
              "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}]}]
            """), rules[0]!["backendRefs"]), rules[0]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(Parse(Rules)[1], rules[1]));
    }

    [Fact]
    public void ARuleWithoutMatches_MatchesEverythingUnderSlash_ForItsClone()
    {
        var strategy = new TrafficStrategy { Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Type = "RegularExpression", Name = "x-user", Value = "^1" }] }] };

        var rules = HttpRouteRules.Build(Parse("""[{"backendRefs":[{"name":"web","port":80}]}]"""), "web", "web", strategy);

        Assert.Equal(2, rules.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"path":{"type":"PathPrefix","value":"/"},"headers":[{"type":"RegularExpression","name":"x-user","value":"^1"}]}]
            """), rules[1]!["matches"]), rules[1]!.ToJsonString());
    }

    [Fact]
    public void RoutesTo_FindsOnlyServiceBackends()
    {
        Assert.True(HttpRouteRules.RoutesTo(Parse(Rules), "web"));
        Assert.False(HttpRouteRules.RoutesTo(Parse("""[{"backendRefs":[{"group":"example.com","kind":"Bucket","name":"web"}]}]"""), "web"));
    }

    private static JsonArray Parse(string json) => (JsonArray)JsonNode.Parse(json)!;
}
