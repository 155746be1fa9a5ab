using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Traffic.Lanes;

namespace Lanes.RolloutController.Tests.Traffic.Lanes;

public sealed class LanesEntryRulesTests
{
    [Fact]
    public void TheSeedsStrategy_IsWrittenInKruisesJsonShape()
    {
        var strategy = TrafficStrategy.From(new TrafficRoutingStrategy
        {
            Matches = [new HeaderRouteMatchV1Alpha1 { Headers = [new HttpValueMatch { Type = "Exact", Name = "User-Agent", Value = "xiaoming" }] }],
            RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }] },
        });

        Assert.Equal(
            """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""",
            LanesEntryRules.Serialize(strategy));
    }

    [Fact]
    public void AStepsStrategy_KeepsTrafficPathAndQuery_AndTheDefaultsTheApiServerFillsIn()
    {
        var strategy = TrafficStrategy.From(new CanaryStep
        {
            Traffic = "20%",
            Matches = [new HttpRouteMatch { Path = new HttpPathMatch { Value = "/api" }, Headers = [new HttpValueMatch { Name = "x-user", Value = "1" }], QueryParams = [new HttpValueMatch { Type = "RegularExpression", Name = "beta", Value = "^y" }] }],
            RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }], Remove = ["x-debug"] },
        });

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"traffic":"20%",
             "matches":[{"path":{"type":"PathPrefix","value":"/api"},
                         "headers":[{"type":"Exact","name":"x-user","value":"1"}],
                         "queryParams":[{"type":"RegularExpression","name":"beta","value":"^y"}]}],
             "requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}],"remove":["x-debug"]}}
            """), JsonNode.Parse(LanesEntryRules.Serialize(strategy))));
    }

    [Theory]
    [InlineData("TrafficRouting", "mse-traffic", "mse-traffic.json")]
    [InlineData("Rollout", "rollout-a", "rollout.rollout-a.json")]
    public void OneKeyPerOwner(string kind, string name, string key) =>
        Assert.Equal(key, LanesEntryRules.KeyFor(new TrafficRoutingOwner("rollouts.kruise.io/v1alpha1", kind, name, "uid")));

    [Fact]
    public void Holds_ComparesAsJson()
    {
        Assert.True(LanesEntryRules.Holds("""{ "weight": 5 }""", """{"weight":5}"""));
        Assert.False(LanesEntryRules.Holds("""{"weight":6}""", """{"weight":5}"""));
        Assert.False(LanesEntryRules.Holds("not json", """{"weight":5}"""));
        Assert.False(LanesEntryRules.Holds(null, """{"weight":5}"""));
    }
}
