using System.Net;

namespace Lanes.Samples.Tests;

/// <summary>Instances dying under load, on real loopback hosts.</summary>
public class FaultTests
{
    private const int Requests = 300;

    [Fact]
    public async Task OnlyGrayC_KilledMidLoad_LooseGrayRequestsReachBaseC_AndNoneFailAfterwards()
    {
        await using var chain = await StartAsync();
        var afterKill = new List<(HttpStatusCode Status, string Body)>();
        var beforeKill = new List<string>();

        for (var i = 0; i < Requests; i++)
        {
            if (i == Requests / 3)
            {
                await chain.Chain.StopAsync("Cgray");
            }

            var (status, body) = await GrayAsync(chain.Chain);
            if (i < Requests / 3)
            {
                beforeKill.Add(body);
            }
            else
            {
                afterKill.Add((status, body));
            }
        }

        Assert.All(beforeKill, body => Assert.Equal(chain.Chain.ExpectedGray, body));
        var grayToBaseC = chain.Chain.ExpectedGray.Replace($"Cgray[127.0.0.1:{chain.Chain.Ports["Cgray"]}]", $"C[127.0.0.1:{chain.Chain.Ports["C"]}]", StringComparison.Ordinal);
        Assert.All(afterKill, answer => Assert.Equal((HttpStatusCode.OK, grayToBaseC), answer));
    }

    [Fact]
    public async Task OnlyGrayC_Killed_StrictGrayRequestsGetA503NamingServiceAndLane()
    {
        // Strict where it matters: calls to C must not leave the gray lane; B has no canary, so calls to B stay loose.
        await using var chain = await StartAsync("--Lanes:Routing:Lanes:gray:Fallback=Strict", "--Lanes:Routing:Lanes:gray:Services:0=sample-c");
        Assert.Equal((HttpStatusCode.OK, chain.Chain.ExpectedGray), await GrayAsync(chain.Chain));

        await chain.Chain.StopAsync("Cgray");

        for (var i = 0; i < 20; i++)
        {
            var (status, body) = await GrayAsync(chain.Chain);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("sample-c", body, StringComparison.Ordinal);
            Assert.Contains("'gray'", body, StringComparison.Ordinal);
        }

        Assert.Equal(chain.Chain.ExpectedBase, await chain.Chain.Gateway.GetStringAsync("/a"));   // base traffic is untouched
    }

    [Fact]
    public async Task StrictLaneWithoutInstanceAtTheGateway_IsA503FromTheGateway()
    {
        // The test client is a trusted proxy here: it chooses the lane itself.
        await using var chain = await StartAsync("--Lanes:Routing:Lanes:blue:Fallback=Strict", "--Lanes:Entry:TrustedProxies:0=127.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.Add("x-mse-tag", "blue");

        using var response = await chain.Chain.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("sample-a", body, StringComparison.Ordinal);
        Assert.Contains("'blue'", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteHeader_ShowsWhereTheRequestLeftItsLane()
    {
        await using var chain = await StartAsync("--Lanes:Routing:RouteHeader=true");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");

        using var response = await chain.Chain.Gateway.SendAsync(request);

        var ports = chain.Chain.Ports;
        Assert.Equal(
            $"sample-a=gray@http://127.0.0.1:{ports["Agray"]} (lane_matched), " +
            $"sample-b=base@http://127.0.0.1:{ports["B"]} (fallback_no_lane_instance), " +
            $"sample-c=gray@http://127.0.0.1:{ports["Cgray"]} (lane_matched)",
            string.Join(",", response.Headers.GetValues("lanes-route")));
    }

    [Fact]
    public async Task RouteHeader_IsOffByDefault()
    {
        await using var chain = await StartAsync();
        using var response = await chain.Chain.Gateway.GetAsync("/a");

        Assert.False(response.Headers.Contains("lanes-route"));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GrayAsync(SampleChain chain)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");
        using var response = await chain.Gateway.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<OwnedChain> StartAsync(params string[] args)
    {
        var chain = new SampleChain(args);
        await chain.InitializeAsync();
        return new OwnedChain(chain);
    }

    private sealed class OwnedChain(SampleChain chain) : IAsyncDisposable
    {
        public SampleChain Chain { get; } = chain;

        public async ValueTask DisposeAsync() => await Chain.DisposeAsync();
    }
}
