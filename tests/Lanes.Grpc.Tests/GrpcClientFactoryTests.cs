using Grpc.Core;
using Grpc.Net.Client;
using Lanes.Routing;
using Lanes.Grpc.Tests.Protos;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Grpc.Tests;

/// <summary>
/// gRPC clients from Grpc.Net.ClientFactory with <c>AddTrafficLanes()</c>: each call goes to an instance of its lane
/// and carries the lane, against two real gRPC instances (base and gray) on loopback HTTP/2.
/// </summary>
public sealed class GrpcClientFactoryTests : IAsyncLifetime
{
    private WebApplication _base = null!;
    private WebApplication _gray = null!;
    private IHost _client = null!;

    public async Task InitializeAsync()
    {
        _base = await GrpcLoopback.StartAsync("orders-base");
        _gray = await GrpcLoopback.StartAsync("orders-gray");

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Services:orders:0:Url"] = GrpcLoopback.Url(_base),
            ["Lanes:Services:orders:1:Url"] = GrpcLoopback.Url(_gray),
            ["Lanes:Services:orders:1:Lane"] = "gray",
        });
        builder.Services.AddLogging();
        builder.Services.AddGrpcClient<Echo.EchoClient>(static o => o.Address = new Uri("http://orders")).AddTrafficLanes();
        _client = builder.Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _gray.DisposeAsync();
        await _base.DisposeAsync();
    }

    private Echo.EchoClient Client => _client.Services.GetRequiredService<Echo.EchoClient>();

    [Fact]
    public async Task BaseCalls_LandOnBase()
    {
        for (var i = 0; i < 10; i++)
        {
            var reply = await Client.WhoAsync(new WhoRequest());
            Assert.Equal("orders-base", reply.Instance);
            Assert.Equal("base", reply.Lane);
            Assert.Equal(string.Empty, reply.LaneHeader);
        }
    }

    [Fact]
    public async Task CallsInTheGrayLane_LandOnGray_AndCarryTheLane()
    {
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            for (var i = 0; i < 10; i++)
            {
                var reply = await Client.WhoAsync(new WhoRequest());
                Assert.Equal("orders-gray", reply.Instance);
                Assert.Equal("gray", reply.Lane);
                Assert.Equal("gray", reply.LaneHeader);
            }
        }

        // Leaving the lane: the same client goes back to base on the next call.
        Assert.Equal("orders-base", (await Client.WhoAsync(new WhoRequest())).Instance);
    }

    [Fact]
    public async Task LaneSetAsCallMetadata_RoutesThatCall()
    {
        var reply = await Client.WhoAsync(new WhoRequest(), new Metadata { { "x-mse-tag", "gray" } });

        Assert.Equal("orders-gray", reply.Instance);
        Assert.Equal("gray", reply.Lane);
    }

    [Fact]
    public async Task ConcurrentCallsInDifferentLanes_ShareTheChannel_AndEachPicksByItsOwnLane()
    {
        var tasks = new List<Task<(string Expected, WhoReply Reply)>>();
        for (var i = 0; i < 20; i++)
        {
            var lane = i % 2 == 0 ? "gray" : "base";
            tasks.Add(CallInLaneAsync(lane));
        }

        foreach (var (expected, reply) in await Task.WhenAll(tasks))
        {
            Assert.Equal($"orders-{expected}", reply.Instance);
            Assert.Equal(expected, reply.Lane);
        }
    }

    [Fact]
    public async Task SecondHop_KeepsTheLane_ThroughAGrpcServiceThatCallsOn()
    {
        // front -> orders, both over gRPC: the lane front received as metadata routes and tags its own call.
        await using var front = await GrpcLoopback.StartAsync("front", builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lanes:Services:orders:0:Url"] = GrpcLoopback.Url(_base),
                ["Lanes:Services:orders:1:Url"] = GrpcLoopback.Url(_gray),
                ["Lanes:Services:orders:1:Lane"] = "gray",
            });
            builder.Services.AddGrpcClient<Echo.EchoClient>(static o => o.Address = new Uri("http://orders")).AddTrafficLanes();
        });
        using var channel = GrpcChannel.ForAddress(GrpcLoopback.Url(front));
        var client = new Echo.EchoClient(channel);

        var gray = await client.RelayAsync(new WhoRequest(), new Metadata { { "x-mse-tag", "gray" } });
        var untagged = await client.RelayAsync(new WhoRequest());

        Assert.Equal(("orders-gray", "gray", "gray"), (gray.Instance, gray.Lane, gray.LaneHeader));
        Assert.Equal(("orders-base", "base"), (untagged.Instance, untagged.Lane));
    }

    [Fact]
    public async Task StrictLaneWithoutInstance_FailsTheCall_NamingServiceAndLane()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Services:orders:0:Url"] = GrpcLoopback.Url(_base),
            ["Lanes:Routing:Lanes:blue:Fallback"] = "Strict",
        });
        builder.Services.AddLogging();
        builder.Services.AddGrpcClient<Echo.EchoClient>(static o => o.Address = new Uri("http://orders")).AddTrafficLanes();
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<Echo.EchoClient>();

        using var scope = LaneContext.Enter(Lane.Parse("blue"));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.WhoAsync(new WhoRequest()).ResponseAsync);

        // A refusal is gRPC's UNAVAILABLE (HTTP 503's status), with the refusal's message naming service and lane.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("Service 'orders' has no healthy instance of strict lane 'blue'; the call was refused rather than sent to base.", error.Status.Detail);
        Assert.Equal("orders", error.Trailers.GetValue("lanes-refusal"));
    }

    private async Task<(string Expected, WhoReply Reply)> CallInLaneAsync(string lane)
    {
        using var scope = LaneContext.Enter(Lane.Parse(lane));
        return (lane, await Client.WhoAsync(new WhoRequest()));
    }
}
