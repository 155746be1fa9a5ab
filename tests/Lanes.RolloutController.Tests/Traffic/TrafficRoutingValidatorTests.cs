using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>Bad traffic routing specs are named by object and field; nothing is routed.</summary>
public sealed class TrafficRoutingValidatorTests
{
    private const string Owner = "TrafficRouting default/tr";

    public static TheoryData<string, string> Cases => new()
    {
        { """{"service":"a"}""", "TrafficRouting default/tr: spec.objectRef[0] sets neither ingress, gateway nor customNetworkRefs" },
        { """{"service":"","ingress":{"name":"a"}}""", "spec.objectRef[0].service is empty" },
        { """{"service":"a","ingress":{"name":""}}""", "spec.objectRef[0].ingress.name is empty" },
        { """{"service":"a","gateway":{}}""", "spec.objectRef[0].gateway.httpRouteName is empty" },
        { """{"service":"a","gracePeriodSeconds":-1,"ingress":{"name":"a"}}""", "spec.objectRef[0].gracePeriodSeconds is -1" },
        { """{"service":"a","customNetworkRefs":[{"kind":"VirtualService","name":"vs"}]}""", "spec.objectRef[0].customNetworkRefs[0] needs apiVersion, kind and name" },
        { """{"service":"a","ingress":{"classType":"lanes","name":"gw"}}""", "spec.strategy.requestHeaderModifier.set never sets the lane header x-mse-tag, so the Lanes gateway gw (spec.objectRef[0].ingress, classType lanes)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_NamesTheObjectAndTheField(string reference, string expected)
    {
        var refs = new List<TrafficRoutingRef> { ApiJson.Read<TrafficRoutingRef>(System.Text.Json.Nodes.JsonNode.Parse(reference))! };
        var strategy = new TrafficStrategy { Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Name = "User-Agent", Value = "xiaoming" }] }], RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-user", Value = "1" }] } };

        var problem = TrafficRoutingValidator.Validate(Owner, refs, "spec.objectRef", [(strategy, "spec.strategy")], "x-mse-tag");

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 101, "spec.strategy.weight is 101")]
    [InlineData("150%", null, "spec.strategy.traffic \"150%\"")]
    [InlineData("half", null, "spec.strategy.traffic \"half\"")]
    public void Validate_RejectsSharesOutsideZeroToHundred(string? traffic, int? weight, string expected)
    {
        var refs = new List<TrafficRoutingRef> { new() { Service = "a", Ingress = new IngressTrafficRouting { Name = "a" } } };
        var problem = TrafficRoutingValidator.Validate(Owner, refs, "spec.objectRef", [(new TrafficStrategy { Traffic = traffic, Weight = weight }, "spec.strategy")], "x-mse-tag");
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AcceptsTheSeed_AndALanesRouteThatSetsTheLaneHeaderInAnyCase()
    {
        var lanes = new List<TrafficRoutingRef> { new() { Service = "a", Ingress = new IngressTrafficRouting { ClassType = "lanes", Name = "gw" } } };
        var strategy = new TrafficStrategy { Matches = [new HttpRouteMatch()], RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "X-MSE-Tag", Value = "gray" }] } };
        Assert.Null(TrafficRoutingValidator.Validate(Owner, lanes, "spec.objectRef", [(strategy, "spec.strategy")], "x-mse-tag"));

        // A strategy that routes nothing needs no lane header: nothing is written.
        Assert.Null(TrafficRoutingValidator.Validate(Owner, lanes, "spec.objectRef", [(new TrafficStrategy(), "spec.strategy")], "x-mse-tag"));
    }
}
