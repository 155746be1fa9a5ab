using System.Diagnostics.Metrics;
using Lanes.Nacos.Client;
using Lanes.Nacos.StandIn;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Grpc;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static Lanes.Nacos.Tests.Infrastructure.NacosJson;

namespace Lanes.Nacos.Tests.Subscriptions;

/// <summary>
/// Empty-push protection, on by default on every transport: a registry that comes back empty (or half-filled)
/// must not take instances away from routing; an empty list applies only when confirmed over the window.
/// </summary>
public sealed class EmptyPushProtectionTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Fact]
    public async Task EmptyList_IsHeld_ReQueried_AndAppliedOnlyWhenConfirmedOverTheWindow()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        using var protection = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), "Lanes", "lanes.nacos.empty_protection");
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var known = subscription.Current;

        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2));
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), 2);
        await Eventually.AssertAsync(() => Logged(provider, "NacosEmptyListHeld"), "the empty list is held and logged");
        Assert.Same(known, subscription.Current);
        Assert.Equal("empty_held", Assert.Single(protection.GetMeasurementSnapshot()).Tags["action"]);

        // Held, it is asked again at the shortest interval (1 s), and still not applied within the window (30 s).
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(1), 3);
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(1), 4);
        Assert.Same(known, subscription.Current);
        Assert.False(known.ChangeToken.HasChanged);

        // Still empty once the window is over: the service is empty now.
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => subscription.Current.Endpoints.Length == 0, "the confirmed empty list applies");
        Assert.True(Logged(provider, "NacosEmptyListConfirmed"));
        Assert.Contains(protection.GetMeasurementSnapshot(), m => (string)m.Tags["action"]! == "empty_confirmed");
        Assert.True(known.ChangeToken.HasChanged);
    }

    [Fact]
    public async Task EmptyList_ThatFillsUpAgainWithinTheWindow_NeverEmptiesRouting()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2));
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), 2);
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 3, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8080)));
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => subscription.Current.Endpoints.Length == 2, "the instances came back");

        // Long after the window: the held empty list never applied.
        time.Advance(TimeSpan.FromMinutes(1));
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), nacos.Requests(FakeNacos.ListPath).Count + 1);
        Assert.Equal(2, subscription.Current.Endpoints.Length);
        Assert.False(Logged(provider, "NacosEmptyListConfirmed"));
    }

    [Fact]
    public async Task ProtectionOff_AppliesAnEmptyListAtOnce()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:PushEmptyProtection"] = "false";
        await using var provider = TestServices.Build(config, time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2));
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), 2);

        await Eventually.AssertAsync(() => subscription.Current.Endpoints.Length == 0, "the empty list applies");
        Assert.False(Logged(provider, "NacosEmptyListHeld"));
    }

    [Fact]
    public async Task AfterTheRegistryComesBack_MissingInstancesAreKeptForTheWindow_ThenDropped()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        // The registry goes down, then answers again with only the instance that re-registered so far.
        nacos.GivenList("DEFAULT_GROUP@@orders", "restarting", status: 503);
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), 2);
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2, new Host("10.0.0.2", 8080)));
        await PollsAsync(nacos, time, TimeSpan.FromSeconds(10), 3);
        await Eventually.AssertAsync(() => Logged(provider, "NacosMissingInstancesKept"), "the missing instance is kept and logged");
        Assert.Equal(["10.0.0.1:8080", "10.0.0.2:8080"], subscription.Current.Endpoints.Select(e => e.EndPoint.ToString()).Order());
        Assert.Equal(1, provider.GetRequiredService<NacosConnectionStatus>().Recoveries);

        // The window ends with a query of its own: what the registry says now is the list.
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => subscription.Current.Endpoints.Length == 1, "the instance that never came back is dropped after the window");
        Assert.Equal("10.0.0.2:8080", subscription.Current.Endpoints[0].EndPoint.ToString());
    }

    [Fact]
    public async Task GrpcPushOfAnEmptyList_IsHeld()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        nacos.Register("orders", NacosGrpcTransportTests.Instance("10.0.0.1", 8080));
        await using var provider = TestServices.Build(StandInHosts.Config(nacos));
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var acks = nacos.Acks;

        nacos.Deregister("orders", "10.0.0.1", 8080);

        await Eventually.AssertAsync(() => nacos.Acks > acks && Logged(provider, "NacosEmptyListHeld"), "the empty push was acknowledged and held");
        Assert.Equal("10.0.0.1:8080", Assert.Single(subscription.Current.Endpoints).EndPoint.ToString());
        nacos.Register("orders", NacosGrpcTransportTests.Instance("10.0.0.2", 8080));
        await Eventually.AssertAsync(() => subscription.Current.Endpoints.Length == 1 && subscription.Current.Endpoints[0].EndPoint.ToString() == "10.0.0.2:8080", "the next non-empty push applies");
    }

    private static bool Logged(IServiceProvider provider, string eventName) =>
        provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == eventName);

    private static async Task PollsAsync(FakeNacos nacos, FakeTimeProvider time, TimeSpan step, int polls)
    {
        await Eventually.AdvanceUntilAsync(time, step, () => nacos.Requests(FakeNacos.ListPath).Count >= polls, $"poll {polls} reached the server");
        await Task.Delay(50);   // let the answer be applied
    }
}
