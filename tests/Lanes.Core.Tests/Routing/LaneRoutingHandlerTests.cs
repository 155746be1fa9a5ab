using Lanes.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Tests.Routing;

public class LaneRoutingHandlerTests
{
    private static readonly Lane Gray = Lane.Parse("gray");

    private static Dictionary<string, string?> Chain() => TestHosts.Instances("orders",
        ("http://127.0.0.1:5001", null, 1),
        ("http://127.0.0.1:5002", "gray", 1));

    [Fact]
    public async Task LaneRequest_GoesToLaneInstance_WithLaneHeader()
    {
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        using (LaneContext.Enter(Gray))
        {
            await client.GetAsync("http://orders/items?id=1");
        }

        var (uri, lane) = Assert.Single(recorder.Sent);
        Assert.Equal("http://127.0.0.1:5002/items?id=1", uri.ToString());
        Assert.Equal("gray", lane);
    }

    [Fact]
    public async Task LaneMissingAtService_FallsBackToBase_AndKeepsTheLane()
    {
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            await client.GetAsync("http://orders/");
        }

        var (uri, lane) = Assert.Single(recorder.Sent);
        Assert.Equal(5001, uri.Port);
        Assert.Equal("blue", lane);
    }

    [Fact]
    public async Task BaseRequests_NeverReachLaneInstances()
    {
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        for (var i = 0; i < 50; i++)
        {
            await client.GetAsync("http://orders/");
        }

        Assert.All(recorder.Sent, s => Assert.Equal((5001, null), (s.Uri.Port, s.Lane)));
    }

    [Fact]
    public async Task MixedWeights_SplitTrafficWithinTheLane()
    {
        var configuration = TestHosts.Instances("orders",
            ("http://127.0.0.1:5001", null, 1),
            ("http://127.0.0.1:5002", "gray", 3),
            ("http://127.0.0.1:5003", "gray", 1));
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(configuration, recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 400; i++)
            {
                await client.GetAsync("http://orders/");
            }
        }

        Assert.Equal(300, recorder.Sent.Count(s => s.Uri.Port == 5002));
        Assert.Equal(100, recorder.Sent.Count(s => s.Uri.Port == 5003));
    }

    [Fact]
    public async Task NoUsableInstance_FailsNamingServiceAndLane()
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5002", "gray", 1));
        using var host = TestHosts.WithRecordingClient(configuration, new RecordingHandler());
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        var baseError = await Assert.ThrowsAsync<LaneRoutingException>(() => client.GetAsync("http://orders/"));
        Assert.Contains("'orders'", baseError.Message, StringComparison.Ordinal);
        Assert.Equal("orders", baseError.ServiceName);
        Assert.True(baseError.Lane.IsBase);

        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            var laneError = await Assert.ThrowsAsync<LaneRoutingException>(() => client.GetAsync("http://orders/"));
            Assert.Contains("'orders'", laneError.Message, StringComparison.Ordinal);
            Assert.Contains("'blue'", laneError.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EmptyService_FailsNamingServiceAndLane()
    {
        var configuration = new Dictionary<string, string?>();
        using var host = TestHosts.WithRecordingClient(configuration, new RecordingHandler(), s => s.Configure<Lanes.LanesOptions>(o => o.Services["orders"] = []));
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        using (LaneContext.Enter(Gray))
        {
            var error = await Assert.ThrowsAsync<LaneRoutingException>(() => client.GetAsync("http://orders/"));
            Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'gray'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownService_FailsNamingTheService()
    {
        using var host = TestHosts.WithRecordingClient(Chain(), new RecordingHandler());
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        var error = await Assert.ThrowsAsync<LaneRoutingException>(() => client.GetAsync("http://inventory/"));

        Assert.Contains("'inventory'", error.Message, StringComparison.Ordinal);
        Assert.Equal("inventory", error.ServiceName);
    }

    [Fact]
    public async Task IpAddressRequests_PassThrough()
    {
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        await client.GetAsync("http://10.1.2.3:8080/x");

        Assert.Equal("http://10.1.2.3:8080/x", Assert.Single(recorder.Sent).Uri.ToString());
    }

    [Fact]
    public async Task RequestUri_IsRestoredAfterTheCall_SoRetriesResolveAgain()
    {
        using var host = TestHosts.WithRecordingClient(Chain(), new RecordingHandler());
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/a");

        using var response = await client.SendAsync(request);

        Assert.Equal("http://orders/a", request.RequestUri!.ToString());
    }

    [Theory]
    [InlineData("x-mse-tag", false)]
    [InlineData("X-Mse-Tag", false)]
    [InlineData("x-mse-tag", true)]
    [InlineData("X-MSE-TAG", true)]
    public async Task LaneHeaderSetByCaller_InAnyCase_AmongOtherHeaders_DecidesTheRoute(string name, bool traced)
    {
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/");
        if (traced)
        {
            request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        }

        request.Headers.TryAddWithoutValidation(name, "gray");

        await client.SendAsync(request);

        Assert.Equal(5002, Assert.Single(recorder.Sent).Uri.Port);
    }

    [Fact]
    public async Task ServiceDiscoveryDefaults_DoNotRunInFrontOfLanes()
    {
        // Aspire's service defaults add Microsoft.Extensions.ServiceDiscovery's round-robin handler to every client.
        var recorder = new RecordingHandler();
        using var host = TestHosts.WithRecordingClient(Chain(), recorder, services =>
        {
            services.AddServiceDiscovery();
            services.ConfigureHttpClientDefaults(b => b.AddServiceDiscovery());
        });
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        using (LaneContext.Enter(Gray))
        {
            for (var i = 0; i < 20; i++)
            {
                await client.GetAsync("http://orders/");
            }
        }

        for (var i = 0; i < 20; i++)
        {
            await client.GetAsync("http://orders/");
        }

        Assert.Equal(20, recorder.Sent.Count(s => s.Uri.Port == 5002 && s.Lane == "gray"));
        Assert.Equal(20, recorder.Sent.Count(s => s.Uri.Port == 5001 && s.Lane is null));
    }
}
