using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lanes.Nacos.Client;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Infrastructure;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Lanes.Nacos.Tests.Infrastructure.NacosJson;

namespace Lanes.Nacos.Tests.Subscriptions;

public sealed class NacosPushReceiverTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UdpPush_ChangesTheList_AndIsAcknowledged(bool gzip)
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1000, new Host("10.0.0.1", 8080)));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Push:Enabled"] = "true";
        config["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1";
        config["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var catalog = provider.GetRequiredService<NacosServiceCatalog>();
        var subscription = catalog.Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var before = subscription.Current;

        // The poll told the server where to push.
        var poll = Assert.Single(nacos.Requests(FakeNacos.ListPath));
        var udpPort = int.Parse(FakeNacos.Query(poll, "udpPort")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("127.0.0.1", FakeNacos.Query(poll, "clientIP"));
        Assert.True(udpPort > 0);

        // What UdpPushService sends: the ServiceInfo as a JSON string inside the envelope, gzipped when large.
        var data = ServiceInfo("orders", 2000, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8080, Lane: "gray"));
        var envelope = JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "dom", ["data"] = data, ["lastRefTime"] = 123456789012L });
        var packet = gzip ? Gzip(Encoding.UTF8.GetBytes(envelope)) : Encoding.UTF8.GetBytes(envelope);

        // The clock is fake and never advanced: no poll can happen, only the push can change the list. (How fast a push
        // is routable is measured in benchmarks/, not asserted here.)
        using var server = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await server.SendAsync(packet, new IPEndPoint(IPAddress.Loopback, udpPort));
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ack = await server.ReceiveAsync(wait.Token);

        // The ack goes out after the list was applied.
        Assert.True(before.ChangeToken.HasChanged, "the push changed the list");
        Assert.Single(nacos.Requests(FakeNacos.ListPath));
        Assert.Equal(2, subscription.Current.Endpoints.Length);
        using var ackJson = JsonDocument.Parse(ack.Buffer);
        Assert.Equal("push-ack", ackJson.RootElement.GetProperty("type").GetString());
        Assert.Equal(123456789012L, ackJson.RootElement.GetProperty("lastRefTime").GetInt64());
        Assert.Equal(string.Empty, ackJson.RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public async Task UdpPush_OlderThanCurrentList_IsIgnored()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 5000, new Host("10.0.0.1", 8080)));
        var config = TestServices.Config(nacos.Address);
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var catalog = provider.GetRequiredService<NacosServiceCatalog>();
        var subscription = catalog.Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        var stale = Encoding.UTF8.GetBytes(ServiceInfo("orders", 4000, new Host("10.0.0.9", 8080)));
        Assert.Equal(PushOutcome.Accepted, catalog.OnPush(stale));

        Assert.Equal("10.0.0.1:8080", Assert.Single(subscription.Current.Endpoints).EndPoint.ToString());
    }

    [Fact]
    public async Task Handle_DecompressionBomb_IsDropped()
    {
        var config = TestServices.Config(FakeNacos.DeadAddress());
        config["Lanes:Nacos:Push:MaxDecompressedBytes"] = "4096";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var receiver = provider.GetRequiredService<NacosPushReceiver>();
        var target = new CountingTarget();
        Assert.False(receiver.TryStart(target));   // push disabled in the test config: no socket
        var bomb = Gzip(new byte[1024 * 1024]);

        var ack = receiver.Handle(null, bomb, new IPEndPoint(IPAddress.Loopback, 1));

        Assert.Null(ack);
        Assert.Equal(0, target.Calls);
    }

    [Theory]
    [InlineData("""{"type":"dump","lastRefTime":7,"data":""}""", "dump-ack")]
    [InlineData("""{"type":"weird","lastRefTime":7,"data":""}""", "unknown-ack")]
    public async Task Handle_OtherPacketTypes_AreAcknowledgedByType(string packet, string ackType)
    {
        await using var provider = TestServices.Build(TestServices.Config(FakeNacos.DeadAddress()), new FakeTimeProvider());
        var receiver = provider.GetRequiredService<NacosPushReceiver>();

        var ack = receiver.Handle(null, Encoding.UTF8.GetBytes(packet), new IPEndPoint(IPAddress.Loopback, 1));

        Assert.Equal($$"""{"type":"{{ackType}}","lastRefTime":7,"data":""}""", ack);
    }

    [Fact]
    public async Task Handle_Garbage_IsDroppedWithoutAck()
    {
        await using var provider = TestServices.Build(TestServices.Config(FakeNacos.DeadAddress()), new FakeTimeProvider());
        var receiver = provider.GetRequiredService<NacosPushReceiver>();

        Assert.Null(receiver.Handle(null, Encoding.UTF8.GetBytes("{\"type\":"), new IPEndPoint(IPAddress.Loopback, 1)));
        Assert.Null(receiver.Handle(null, new byte[] { 0x1F, 0x8B, 1, 2, 3 }, new IPEndPoint(IPAddress.Loopback, 1)));
    }

    private sealed class CountingTarget : INacosPushTarget
    {
        public int Calls { get; private set; }

        public PushOutcome OnPush(ReadOnlySpan<byte> serviceInfo)
        {
            Calls++;
            return PushOutcome.Accepted;
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
