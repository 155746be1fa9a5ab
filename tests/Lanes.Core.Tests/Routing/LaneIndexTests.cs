using System.Net;
using Lanes.Discovery;
using Lanes.Routing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Tests.Routing;

public class LaneIndexTests
{
    private static readonly Lane Gray = Lane.Parse("gray");
    private static readonly Lane Blue = Lane.Parse("blue");

    [Fact]
    public void LaneRequest_GoesToItsLane()
    {
        var index = LaneIndex.Build([Endpoint(1), Endpoint(2, Gray)]);

        Assert.All(Enumerable.Range(0, 10), _ =>
        {
            Assert.Equal(2, Port(index.Pick(Gray, out var reason)));
            Assert.Equal(RouteReason.LaneMatched, reason);
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    public void EveryLane_IsFoundByName_WhetherItsNameIsTheInternedInstanceOrNot(int lanes)
    {
        var endpoints = new List<ServiceEndpoint> { Endpoint(1) };
        for (var i = 0; i < lanes; i++)
        {
            endpoints.Add(Endpoint(100 + i, Lane.Parse($"lane-{i}")));
        }

        var index = LaneIndex.Build(endpoints);

        for (var i = 0; i < lanes; i++)
        {
            // A name built apart from the table (past its bound, names are not interned) finds its lane by value.
            foreach (var lane in new[] { Lane.Parse($"lane-{i}"), new Lane(new string($"lane-{i}".AsSpan())) })
            {
                Assert.Equal(100 + i, Port(index.Pick(lane, out var reason)));
                Assert.Equal(RouteReason.LaneMatched, reason);
            }
        }

        Assert.Equal(1, Port(index.Pick(new Lane(new string("lane-x".AsSpan())), out var fallback)));
        Assert.Equal(RouteReason.FallbackNoLaneInstance, fallback);
    }

    [Fact]
    public void LaneWithoutInstances_FallsBackToBase()
    {
        var index = LaneIndex.Build([Endpoint(1), Endpoint(2, Gray)]);

        Assert.Equal(1, Port(index.Pick(Blue, out var reason)));
        Assert.Equal(RouteReason.FallbackNoLaneInstance, reason);
    }

    [Fact]
    public void BaseRequest_NeverGetsALaneInstance()
    {
        var index = LaneIndex.Build([Endpoint(1), Endpoint(2, Gray), Endpoint(3, Blue)]);

        Assert.All(Enumerable.Range(0, 30), i => Assert.Equal(1, Port(index.Pick(Lane.Base, out _))));

        var laneOnly = LaneIndex.Build([Endpoint(2, Gray)]);
        Assert.Null(laneOnly.Pick(Lane.Base, out var reason));
        Assert.Equal(RouteReason.Base, reason);
    }

    [Fact]
    public void UnhealthyAndZeroWeightInstances_AreLeftOut()
    {
        var index = LaneIndex.Build([Endpoint(1), Endpoint(2, Gray, healthy: false), Endpoint(3, Gray, weight: 0), Endpoint(4, healthy: false)]);

        Assert.Equal(1, Port(index.Pick(Gray, out var reason)));
        Assert.Equal(RouteReason.FallbackLaneUnhealthy, reason);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(1, Port(index.Pick(Lane.Base, out _))));
    }

    [Fact]
    public void EndpointsWithoutInstanceFeature_AreBase()
    {
        var index = LaneIndex.Build([ServiceEndpoint.Create(new DnsEndPoint("plain", 80)), Endpoint(2, Gray)]);

        Assert.Equal("plain", ((DnsEndPoint)index.Pick(Lane.Base, out _)!.Endpoint.EndPoint).Host);
    }

    [Fact]
    public void NoEndpoints_PicksNothing()
    {
        var index = LaneIndex.Build([]);

        Assert.Null(index.Pick(Gray, out _));
        Assert.Null(index.Pick(Lane.Base, out _));
    }

    private static ServiceEndpoint Endpoint(int port, Lane lane = default, bool healthy = true, double weight = 1) =>
        new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port), lane, weight, healthy).ToServiceEndpoint();

    private static int Port(RouteTarget? target) => ((IPEndPoint)target!.Endpoint.EndPoint).Port;
}
