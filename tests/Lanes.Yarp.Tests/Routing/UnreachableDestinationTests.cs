namespace Lanes.Yarp.Tests.Routing;

/// <summary>
/// A destination that stopped while discovery still lists it (the moment between a pod going away and the registry
/// telling the gateway): the connection is refused, nothing was sent, so the request goes to another destination of
/// its lane, else to base with the tag kept, and a base request never to a lane destination.
/// </summary>
public class UnreachableDestinationTests
{
    private static readonly (string, string?)[] TwoBaseOneGray = [("A1", null), ("A2", null), ("Agray", "gray")];
    private static readonly Dictionary<string, string?> RoundRobin = new()
    {
        ["Lanes:Entry:TrustedProxies:0"] = "127.0.0.0/8",
        ["ReverseProxy:Clusters:orders:LoadBalancingPolicy"] = "RoundRobin",
    };

    [Fact]
    public async Task BaseInstanceStopped_StillListed_EveryBaseRequestIsAnsweredByTheOtherBase()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, RoundRobin);
        await gateway.Backends["A1"].App.StopAsync();

        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add((await gateway.GetAsync()).Name);
        }

        Assert.All(answers, name => Assert.Equal("A2", name));
    }

    [Fact]
    public async Task OnlyGrayInstanceStopped_StillListed_GrayRequestsGoToBase_WithTheTag()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, RoundRobin);
        await gateway.Backends["Agray"].App.StopAsync();

        for (var i = 0; i < 10; i++)
        {
            var (name, lane, _) = await gateway.GetAsync(("x-mse-tag", "gray"));
            Assert.Contains(name, new[] { "A1", "A2" });
            Assert.Equal("gray", lane);
        }

        Assert.Contains("fallback_lane_unhealthy", await gateway.Client.GetStringAsync("/lanes.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BothBaseInstancesStopped_BaseRequestsGet502_NeverTheGrayInstance()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, RoundRobin);
        await gateway.Backends["A1"].App.StopAsync();
        await gateway.Backends["A2"].App.StopAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("status 502", (await gateway.GetAsync()).Name);
        }
    }

    [Fact]
    public async Task StrictLaneInstanceStopped_StillListed_Is502_NotBase()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new(RoundRobin) { ["Lanes:Routing:Lanes:gray:Fallback"] = "Strict" });
        await gateway.Backends["Agray"].App.StopAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("status 502", (await gateway.GetAsync(("x-mse-tag", "gray"))).Name);
        }
    }
}
