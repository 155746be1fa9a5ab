using Lanes.Nacos.Client;
using Lanes.Nacos.StandIn;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Grpc;
using Lanes.Nacos.Tests.Infrastructure;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static Lanes.Nacos.Tests.Infrastructure.NacosJson;

namespace Lanes.Nacos.Tests.Transport;

/// <summary><c>Lanes:Nacos:Transport</c>: Auto falls from gRPC to the v3 HTTP client API to the v1 open API.</summary>
public sealed class NacosTransportSelectorTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Fact]
    public async Task Auto_WithoutTheGrpcPort_UsesTheV3HttpClientApi_ForRegistrationHeartbeatsAndLists()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Grpc = false });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:Registration:HeartbeatInterval"] = "00:00:00.200";
        using var host = StandInHosts.Build(config, "checkout", port: 5005, lane: "gray");
        await host.StartAsync();

        Assert.Equal(NacosTransport.Http, host.Services.GetRequiredService<NacosConnectionStatus>().Transport);
        var instance = Assert.Single(nacos.Instances("checkout"));
        Assert.Null(instance.ConnectionId);
        Assert.Equal("gray", instance.Metadata["alicloud.service.tag"]);
        Assert.Equal(0, nacos.Received("ServerCheckRequest"));

        // Heartbeats go to the v3 API; an instance the server forgot is registered again.
        nacos.Deregister("checkout", "127.0.0.1", 5005);
        await Eventually.AssertAsync(() => nacos.Instances("checkout").Count == 1, "a heartbeat answered 21003 and the instance registered again");

        nacos.Register("orders", NacosGrpcTransportTests.Instance("10.0.0.1", 8080, lane: "gray"));
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("10.0.0.1:8080", Assert.Single(subscription.Current.Endpoints).EndPoint.ToString());
        Assert.Equal(Lane.Parse("gray"), Lanes.Discovery.ServiceInstance.From(subscription.Current.Endpoints[0])!.Lane);

        await host.StopAsync();
        Assert.Empty(nacos.Instances("checkout"));
    }

    [Fact]
    public async Task Auto_AgainstAServerWithoutGrpcOrV3_UsesTheV1OpenApi()
    {
        using var nacos = new StatefulFakeNacos();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Transport"] = "Auto";
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";
        config["Lanes:PodLabelsPath"] = "/nonexistent/labels";
        using var host = StandInHosts.Build(config, "checkout", port: 5005);
        await host.StartAsync();

        Assert.Equal(NacosTransport.V1, host.Services.GetRequiredService<NacosConnectionStatus>().Transport);
        Assert.Equal(1, nacos.InstanceCount("DEFAULT_GROUP@@checkout"));
        Assert.NotEmpty(nacos.Fake.Requests("/nacos/v3/client/ns/instance/list"));
        await host.StopAsync();
        Assert.Equal(0, nacos.InstanceCount("DEFAULT_GROUP@@checkout"));
    }

    [Fact]
    public async Task ExplicitGrpc_AgainstAServerWithoutIt_NeverFallsBack()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Grpc = false });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:Transport"] = "Grpc";
        config["Lanes:Nacos:RequestTimeout"] = "00:00:01";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();

        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(subscription.Current.HasData);
        Assert.Empty(nacos.Instances("checkout"));
        Assert.Equal(NacosTransport.Grpc, host.Services.GetRequiredService<NacosTransportSelector>().Current!.Kind);
        await host.StopAsync();
    }

    [Fact]
    public async Task NoServerAnswers_RoutesFromTheFailoverCache_WithOneWarningAMinute()
    {
        // A first run leaves the failover cache behind.
        await using var nacos = await NacosStandIn.StartAsync();
        nacos.Register("orders", NacosGrpcTransportTests.Instance("10.0.0.1", 8080));
        nacos.Register("payments", NacosGrpcTransportTests.Instance("10.0.0.2", 8080));
        var config = StandInHosts.Config(nacos);
        await using (var first = TestServices.Build(config))
        {
            var catalog = first.GetRequiredService<NacosServiceCatalog>();
            await catalog.Subscribe(s_orders)!.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
            await catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "payments"))!.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // Then nothing answers, neither gRPC nor HTTP.
        await nacos.StopAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var provider = TestServices.Build(config, time);
        var catalogDown = provider.GetRequiredService<NacosServiceCatalog>();
        var orders = catalogDown.Subscribe(s_orders)!;
        var payments = catalogDown.Subscribe(new NacosServiceName("DEFAULT_GROUP", "payments"))!;
        await orders.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        await payments.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(orders.Current.FromFailoverCache);
        Assert.Equal("10.0.0.1:8080", Assert.Single(orders.Current.Endpoints).EndPoint.ToString());
        Assert.True(payments.Current.FromFailoverCache);
        var logs = provider.GetFakeLogCollector();
        Assert.Equal(1, Warnings(logs));

        // Queries go on failing for 50 s more (backing off up to 10 s): still that one warning, the rest at debug level.
        for (var i = 0; i < 5; i++)
        {
            var target = Unreachable(logs) + 1;
            await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(10), () => Unreachable(logs) >= target, "the services are queried again");
        }

        Assert.Equal(1, Warnings(logs));
        Assert.True(Unreachable(logs) >= 6);

        // Once the minute is over, the outage is reported again: once.
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(10), () => Warnings(logs) >= 2, "a warning in the next minute");
        Assert.Equal(2, Warnings(logs));
        Assert.Equal("10.0.0.1:8080", Assert.Single(orders.Current.Endpoints).EndPoint.ToString());
    }

    private static int Unreachable(FakeLogCollector logs) => logs.GetSnapshot().Count(r => r.Id.Name is "NacosUnreachable" or "NacosRefreshFailed");

    private static int Warnings(FakeLogCollector logs) =>
        logs.GetSnapshot().Count(r => r.Level >= LogLevel.Warning && r.Category!.StartsWith("Lanes.Nacos", StringComparison.Ordinal));
}
