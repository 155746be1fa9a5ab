using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lanes.Discovery;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;
using static Lanes.Nacos.Tests.Infrastructure.NacosJson;

namespace Lanes.Nacos.Tests.Discovery;

public sealed class NacosServiceEndpointProviderTests
{
    [Fact]
    public async Task Resolver_ReturnsNacosInstancesCarryingServiceInstance()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8081, Lane: "gray", Weight: 2)));
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), new FakeTimeProvider());
        var resolver = provider.GetRequiredService<ServiceEndpointResolver>();

        var source = await resolver.GetEndpointsAsync("http://orders", CancellationToken.None);

        Assert.Equal(2, source.Endpoints.Count);
        var gray = ServiceInstance.From(source.Endpoints[1])!;
        Assert.Equal(Lane.Parse("gray"), gray.Lane);
        Assert.Equal(2, gray.Weight);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 8081), source.Endpoints[1].EndPoint);
        Assert.True(source.ChangeToken.ActiveChangeCallbacks);
    }

    [Fact]
    public async Task ServicesMapping_ResolvesGroupedName()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("ORDER_GROUP@@OrderService", ServiceInfo("OrderService", "ORDER_GROUP", 1, new Host("10.0.0.1", 8080)));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Services:orders"] = "ORDER_GROUP@@OrderService";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());

        var source = await provider.GetRequiredService<ServiceEndpointResolver>().GetEndpointsAsync("http://orders", CancellationToken.None);

        Assert.Single(source.Endpoints);
        var poll = Assert.Single(nacos.Requests(FakeNacos.ListPath));
        Assert.Equal("ORDER_GROUP@@OrderService", FakeNacos.Query(poll, "serviceName"));
        Assert.Equal("ORDER_GROUP", FakeNacos.Query(poll, "groupName"));
    }

    [Fact]
    public async Task NacosDown_ResolvesToEmptyWithoutThrowing()
    {
        await using var provider = TestServices.Build(TestServices.Config(FakeNacos.DeadAddress()), new FakeTimeProvider());

        var source = await provider.GetRequiredService<ServiceEndpointResolver>().GetEndpointsAsync("http://orders", CancellationToken.None);

        Assert.Empty(source.Endpoints);
    }

    [Fact]
    public async Task ConfiguredServices_WinOverNacos_AndDottedHostsAreNotNacos()
    {
        using var nacos = FakeNacos.Start();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Services:orders:0:Url"] = "http://127.0.0.1:5999";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var resolver = provider.GetRequiredService<ServiceEndpointResolver>();

        var orders = await resolver.GetEndpointsAsync("http://orders", CancellationToken.None);

        Assert.Equal(new Uri("http://127.0.0.1:5999"), ((UriEndPoint)Assert.Single(orders.Endpoints).EndPoint).Uri);

        // Nacos does not claim dotted host names: with no pass-through provider registered, nothing does.
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await resolver.GetEndpointsAsync("http://api.example.com", CancellationToken.None));
        Assert.DoesNotContain(nacos.Requests(FakeNacos.ListPath), r => FakeNacos.Query(r, "serviceName")!.Contains("example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Push_ReplacesResolvedEndpoints()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Push:Enabled"] = "true";
        config["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1";
        config["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var resolver = provider.GetRequiredService<ServiceEndpointResolver>();
        var before = await resolver.GetEndpointsAsync("http://orders", CancellationToken.None);
        var udpPort = int.Parse(FakeNacos.Query(nacos.Requests(FakeNacos.ListPath)[0], "udpPort")!, System.Globalization.CultureInfo.InvariantCulture);

        var data = ServiceInfo("orders", 2, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8080, Lane: "gray"));
        var packet = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "dom", ["data"] = data, ["lastRefTime"] = 1L }));
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync(packet, new IPEndPoint(IPAddress.Loopback, udpPort));

        await Eventually.AssertAsync(() => before.ChangeToken.HasChanged, "the resolved source's token fires on push");
        ServiceEndpointSource after = before;
        Assert.True(
            await Eventually.TrueAsync(async () => (after = await resolver.GetEndpointsAsync("http://orders", CancellationToken.None)).Endpoints.Count == 2),
            "the resolver serves the pushed list");
        Assert.NotSame(before, after);
    }
}
