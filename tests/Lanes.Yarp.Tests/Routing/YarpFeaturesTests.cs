using System.Net;

namespace Lanes.Yarp.Tests.Routing;

/// <summary>What a YARP user chose YARP for keeps working with lanes: its balancing, its health checks, and the lane invariant.</summary>
public class YarpFeaturesTests
{
    private static readonly (string, string?)[] TwoBaseOneGray = [("A1", null), ("A2", null), ("Agray", "gray")];
    private static readonly Dictionary<string, string?> TrustLoopback = new() { ["Lanes:Entry:TrustedProxies:0"] = "127.0.0.0/8" };

    [Fact]
    public async Task RoundRobin_AlternatesBetweenTwoBaseInstances()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new() { ["ReverseProxy:Clusters:orders:LoadBalancingPolicy"] = "RoundRobin" });

        var names = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            names.Add((await gateway.GetAsync()).Name);
        }

        Assert.All(names, n => Assert.Contains(n, new[] { "A1", "A2" }));
        for (var i = 1; i < names.Count; i++)
        {
            Assert.NotEqual(names[i - 1], names[i]);
        }
    }

    [Fact]
    public async Task ActiveHealthCheck_UnhealthyInstanceGetsNoTraffic()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new()
        {
            ["ReverseProxy:Clusters:orders:LoadBalancingPolicy"] = "RoundRobin",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Enabled"] = "true",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Interval"] = "00:00:00.200",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Timeout"] = "00:00:02",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Path"] = "/healthz",
        });
        gateway.Backends["A2"].Healthy = false;

        // Wait for YARP's probes to mark A2 unhealthy: positive evidence from the diagnostics page, bounded.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await gateway.Client.GetStringAsync("/lanes.json", deadline.Token)).Contains("\"activeHealth\": \"Unhealthy\"", StringComparison.Ordinal))
        {
            await Task.Delay(100, deadline.Token);
        }

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("A1", (await gateway.GetAsync()).Name);
        }
    }

    [Fact]
    public async Task GrayRequests_NeverReachBase_WhileAHealthyGrayInstanceExists()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, TrustLoopback);

        for (var i = 0; i < 40; i++)
        {
            var answer = await gateway.GetAsync(("x-mse-tag", "gray"));
            Assert.Equal(("Agray", "gray"), (answer.Name, answer.Lane));
        }
    }

    [Fact]
    public async Task BaseRequests_NeverReachGray()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray);

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => gateway.GetAsync()));

        Assert.All(answers, a => Assert.NotEqual("Agray", a.Name));
        Assert.Contains(answers, a => a.Name == "A1");
        Assert.Contains(answers, a => a.Name == "A2");
    }

    [Fact]
    public async Task WithoutTheLaneStep_TheForwardingCheckStillKeepsBaseOffLaneInstances()
    {
        // A pipeline that forgot proxy.UseTrafficLanes(): YARP balances over every lane, and the check refuses the misroutes.
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new() { ["ReverseProxy:Clusters:orders:LoadBalancingPolicy"] = "RoundRobin" }, withLaneStep: false);

        var answers = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            answers.Add((await gateway.GetAsync()).Name);
        }

        Assert.DoesNotContain("Agray", answers);
        Assert.Contains("status 502", answers);
    }

    [Fact]
    public async Task LaneWithoutInstance_GoesToBase_KeepingTheTag()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, TrustLoopback);

        var answer = await gateway.GetAsync(("x-mse-tag", "blue"));

        Assert.Contains(answer.Name, new[] { "A1", "A2" });
        Assert.Equal("blue", answer.Lane);
    }

    [Fact]
    public async Task StrictLaneWithoutInstance_Is503ProblemJson()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new(TrustLoopback) { ["Lanes:Routing:Lanes:blue:Fallback"] = "Strict" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("x-mse-tag", "blue");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("orders", body, StringComparison.Ordinal);
        Assert.Contains("'blue'", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrayInstanceUnhealthy_GrayGoesToBase_WithTheTag()
    {
        await using var gateway = await Gateway.StartAsync(TwoBaseOneGray, new(TrustLoopback)
        {
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Enabled"] = "true",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Interval"] = "00:00:00.200",
            ["ReverseProxy:Clusters:orders:HealthCheck:Active:Path"] = "/healthz",
        });
        gateway.Backends["Agray"].Healthy = false;

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (string Name, string Lane, string Baggage) answer;
        do
        {
            await Task.Delay(100, deadline.Token);
            answer = await gateway.GetAsync(("x-mse-tag", "gray"));
        }
        while (answer.Name == "Agray");

        Assert.Contains(answer.Name, new[] { "A1", "A2" });
        Assert.Equal("gray", answer.Lane);
        Assert.Contains("fallback_lane_unhealthy", await gateway.Client.GetStringAsync("/lanes.json"), StringComparison.Ordinal);
    }
}
