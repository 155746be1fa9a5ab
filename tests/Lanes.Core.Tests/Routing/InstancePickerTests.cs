using System.Net;
using Lanes.Discovery;
using Lanes.Routing;

namespace Lanes.Tests.Routing;

public class InstancePickerTests
{
    [Fact]
    public void SingleInstance_AlwaysPicked()
    {
        var picker = new InstancePicker([Target(1, 5)]);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(1, Port(picker.Pick())));
    }

    [Fact]
    public void EqualWeights_CycleEveryInstance()
    {
        var picker = new InstancePicker([Target(1), Target(2), Target(3)]);

        var picks = Enumerable.Range(0, 9).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3], picks);
    }

    [Fact]
    public void UnequalWeights_ExactSharesAndInterleaved()
    {
        var picker = new InstancePicker([Target(1, 3), Target(2, 1)]);

        var picks = Enumerable.Range(0, 400).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal(300, picks.Count(p => p == 1));
        Assert.Equal(100, picks.Count(p => p == 2));
        Assert.Equal([1, 1, 2, 1], picks[..4]);   // smooth: the light instance is not starved to the end of a cycle
    }

    [Fact]
    public void FractionalWeights_AreHonoured()
    {
        var picker = new InstancePicker([Target(1, 0.5), Target(2, 1.5)]);

        var picks = Enumerable.Range(0, 400).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal(100, picks.Count(p => p == 1));
        Assert.Equal(300, picks.Count(p => p == 2));
    }

    [Fact]
    public void LargeUnequalSet_UsesCumulativeWeights_WithExactShares()
    {
        // 100 instances with weights 1..100: too many for a precomputed sequence.
        var targets = Enumerable.Range(1, 100).Select(i => Target(i, i)).ToArray();
        var picker = new InstancePicker(targets);
        var total = Enumerable.Range(1, 100).Sum();

        var counts = new int[101];
        for (var i = 0; i < total; i++)
        {
            counts[Port(picker.Pick())]++;
        }

        Assert.All(Enumerable.Range(1, 100), i => Assert.Equal(i, counts[i]));
    }

    private static RouteTarget Target(int port, double weight = 1) =>
        RouteTarget.Create(new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port), Lane.Base, weight).ToServiceEndpoint())!;

    private static int Port(RouteTarget target) => ((IPEndPoint)target.Endpoint.EndPoint).Port;
}
