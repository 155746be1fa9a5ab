using Lanes.Discovery;
using Lanes.Nacos.Client;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Lanes.Nacos.Tests.Infrastructure.NacosJson;

namespace Lanes.Nacos.Tests.Subscriptions;

public sealed class NacosServiceSubscriptionTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Fact]
    public async Task FirstLoad_ServesInstancesWithLaneWeightAndHealth()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1,
            new Host("10.0.0.1", 8080),
            new Host("10.0.0.2", 8080, Lane: "gray", Weight: 3),
            new Host("10.0.0.3", 8080, Healthy: false)));
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), new FakeTimeProvider());

        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        var instances = Instances(subscription);
        Assert.Equal(3, instances.Length);
        Assert.Equal(Lane.Base, instances[0].Lane);
        Assert.Equal("10.0.0.1:8080", instances[0].EndPoint.ToString());
        Assert.Equal(Lane.Parse("gray"), instances[1].Lane);
        Assert.Equal(3, instances[1].Weight);
        Assert.Equal("gray", instances[1].Metadata["opensergo.io/canary-gray"]);
        Assert.False(instances[2].Healthy);
        var query = FakeNacos.Query(Assert.Single(nacos.Requests(FakeNacos.ListPath)), "serviceName");
        Assert.Equal("DEFAULT_GROUP@@orders", query);
    }

    [Fact]
    public async Task Poll_FiresChangeTokenOnlyOnRealChange()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var first = subscription.Current;

        // Same hosts, newer lastRefTime (what a real server answers on every poll): nothing changed. The loop polls
        // again only once it has applied an answer, so the third poll reaching the server proves the second was applied.
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2, new Host("10.0.0.1", 8080)));
        await PollOnceAsync(nacos, time, expectedPolls: 2);
        await PollOnceAsync(nacos, time, expectedPolls: 3);
        Assert.Same(first, subscription.Current);
        Assert.False(first.ChangeToken.HasChanged);

        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 3, new Host("10.0.0.1", 8080), new Host("10.0.0.9", 8080, Lane: "gray")));
        await PollOnceAsync(nacos, time, expectedPolls: 4);
        await Eventually.AssertAsync(() => first.ChangeToken.HasChanged, "the change token fires when the hosts change");
        Assert.Equal(2, subscription.Current.Endpoints.Length);
    }

    [Theory]
    [InlineData("{\"name\":\"DEFAULT_GROUP@@orders\",\"hosts\":[{\"ip\":\"10.0.0.5\",\"port\":80}")]   // cut short
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("{\"name\":\"DEFAULT_GROUP@@orders\",\"cacheMillis\":1000}")]                            // no hosts
    [InlineData("{\"name\":\"DEFAULT_GROUP@@orders\",\"hosts\":[{\"ip\":\"10.0.0.5\"}]}")]                // host without port
    [InlineData("{\"name\":\"DEFAULT_GROUP@@orders\",\"hosts\":{\"ip\":\"10.0.0.5\"}}")]                  // hosts not an array
    public async Task MalformedOrPartialAnswer_KeepsLastGoodList_AndLogsServiceName(string answer)
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var good = subscription.Current;

        nacos.GivenList("DEFAULT_GROUP@@orders", answer);
        await PollOnceAsync(nacos, time, expectedPolls: 2);

        await Eventually.AssertAsync(
            () => provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "NacosInstancesRejected" && r.Message.Contains("DEFAULT_GROUP@@orders", StringComparison.Ordinal)),
            "the rejected answer is logged with the service name");
        Assert.Same(good, subscription.Current);
        Assert.False(good.ChangeToken.HasChanged);
    }

    [Fact]
    public async Task ServerErrors_KeepLastGoodList()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address), time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var good = subscription.Current;

        nacos.GivenList("DEFAULT_GROUP@@orders", "internal error", status: 500);
        await PollOnceAsync(nacos, time, expectedPolls: 2);
        await Eventually.AssertAsync(
            () => provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "NacosRefreshFailed" && r.Message.Contains("DEFAULT_GROUP@@orders", StringComparison.Ordinal)),
            "the failed refresh is logged with the service name");

        Assert.Same(good, subscription.Current);
        Assert.Single(subscription.Current.Endpoints);
    }

    [Fact]
    public async Task EveryServerDownAtStart_UsesFailoverCache()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080), new Host("10.0.0.2", 8080, Lane: "gray")));
        var config = TestServices.Config(nacos.Address);
        await using (var first = TestServices.Build(config, new FakeTimeProvider()))
        {
            var subscription = first.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
            await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(2, subscription.Current.Endpoints.Length);
        }

        // A later start with the same cache directory while no server answers.
        var down = TestServices.Config(FakeNacos.DeadAddress(), FakeNacos.DeadAddress());
        down["Lanes:Nacos:FailoverCacheDirectory"] = config["Lanes:Nacos:FailoverCacheDirectory"];
        await using var second = TestServices.Build(down, new FakeTimeProvider());
        var restarted = second.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await restarted.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        var instances = Instances(restarted);
        Assert.Equal(2, instances.Length);
        Assert.Equal(Lane.Parse("gray"), instances[1].Lane);
        Assert.True(restarted.Current.FromFailoverCache);
        Assert.Contains(second.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "NacosFailoverCacheUsed");
    }

    [Fact]
    public async Task EveryServerDown_NoCache_ServesEmptyListWithoutThrowing()
    {
        await using var provider = TestServices.Build(TestServices.Config(FakeNacos.DeadAddress()), new FakeTimeProvider());
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;

        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(subscription.Current.Endpoints);
        Assert.False(subscription.Current.HasData);
    }

    [Fact]
    public async Task EmptyList_UnderPushEmptyProtection_IsIgnored()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)));
        var time = new FakeTimeProvider();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:PushEmptyProtection"] = "true";
        await using var provider = TestServices.Build(config, time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 2));
        await PollOnceAsync(nacos, time, expectedPolls: 2);
        await Eventually.AssertAsync(() => provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "NacosEmptyListHeld"), "the empty list is ignored");

        Assert.Single(subscription.Current.Endpoints);
    }

    [Theory]
    [InlineData(3_000, 3_000)]    // within the bounds: the server's pace
    [InlineData(200, 1_000)]      // faster than MinRefreshInterval allows
    [InlineData(60_000, 10_000)]  // slower than MaxRefreshInterval allows
    public async Task Poll_FollowsCacheMillis_ClampedToTheRefreshBounds(int cacheMillis, int expectedMillis)
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenList("DEFAULT_GROUP@@orders", ServiceInfo("orders", 1, new Host("10.0.0.1", 8080)).Replace("\"cacheMillis\":10000", $"\"cacheMillis\":{cacheMillis}", StringComparison.Ordinal));
        var time = new TimerRecordingTimeProvider();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:RequestTimeout"] = "00:00:07.700";   // told apart from the poll timer by its due time
        config["Lanes:Nacos:MinRefreshInterval"] = "00:00:01";
        config["Lanes:Nacos:MaxRefreshInterval"] = "00:00:10";
        await using var provider = TestServices.Build(config, time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        // The loop arms its next poll before it reports the first load done.
        var next = Assert.Single(time.DueTimes, due => due != TimeSpan.FromMilliseconds(7_700));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMillis), next);

        time.Advance(next);
        await Eventually.AssertAsync(() => nacos.Requests(FakeNacos.ListPath).Count == 2, "the next poll comes when its timer is due");
    }

    [Fact]
    public async Task Poll_AfterFailures_BacksOffFromTheShortestToTheLongestInterval()
    {
        var time = new TimerRecordingTimeProvider();
        var config = TestServices.Config(FakeNacos.DeadAddress());
        config["Lanes:Nacos:RequestTimeout"] = "00:00:07.700";
        config["Lanes:Nacos:MinRefreshInterval"] = "00:00:01";
        config["Lanes:Nacos:MaxRefreshInterval"] = "00:00:10";
        await using var provider = TestServices.Build(config, time);
        var subscription = provider.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        var waits = new List<TimeSpan>();
        for (var poll = 0; poll < 5; poll++)
        {
            await Eventually.AssertAsync(() => time.DueTimes.Count(due => due != TimeSpan.FromMilliseconds(7_700)) > poll, $"poll timer {poll + 1} armed");
            waits.Add(time.DueTimes.Where(due => due != TimeSpan.FromMilliseconds(7_700)).ElementAt(poll));
            time.Advance(waits[^1]);
        }

        Assert.Equal([2, 4, 8, 10, 10], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task Subscriptions_AreBounded()
    {
        var config = TestServices.Config(FakeNacos.DeadAddress());
        config["Lanes:Nacos:MaxServices"] = "2";
        await using var provider = TestServices.Build(config, new FakeTimeProvider());
        var catalog = provider.GetRequiredService<NacosServiceCatalog>();

        Assert.NotNull(catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "a")));
        Assert.NotNull(catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "b")));
        Assert.NotNull(catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "a")));
        Assert.Null(catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "c")));
    }

    internal static ServiceInstance[] Instances(NacosServiceSubscription subscription) =>
        [.. subscription.Current.Endpoints.Select(e => ServiceInstance.From(e)!)];

    private static Task PollOnceAsync(FakeNacos nacos, FakeTimeProvider time, int expectedPolls) =>
        Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(10), () => nacos.Requests(FakeNacos.ListPath).Count >= expectedPolls, $"poll {expectedPolls} reached the server");

    /// <summary>Fake time that remembers the due time of every timer created on it (poll timers, request timeouts).</summary>
    private sealed class TimerRecordingTimeProvider : FakeTimeProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _dueTimes = new();

        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _dueTimes.Enqueue(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
