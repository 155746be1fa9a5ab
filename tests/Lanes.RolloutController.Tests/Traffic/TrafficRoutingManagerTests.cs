using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Traffic.Ingress;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>The manager against the emulator on a fake clock: one change per call, and gracePeriodSeconds between changes.</summary>
public sealed class TrafficRoutingManagerTests
{
    [Fact]
    public async Task EachRouteChange_IsFollowedByTheGracePeriod_OnTheTimeProvider()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (manager, time, context) = await SetUpAsync(cluster, gracePeriodSeconds: null);

        var created = await manager.EnsureRoutesAsync(context, default);
        Assert.Equal(TrafficRoutingOutcome.Pending, created.Outcome);
        Assert.Equal("created canary Ingress default/web-canary at weight 0; waiting the 3s grace period", created.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), created.RetryAfter);
        var version = CanaryVersion(cluster);

        // Within the grace period nothing is read or written, and the status message stays the same.
        var waiting = await manager.EnsureRoutesAsync(context, default);
        Assert.Equal((TrafficRoutingOutcome.Pending, created.Message), (waiting.Outcome, waiting.Message));
        time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(TimeSpan.FromSeconds(0.5), (await manager.EnsureRoutesAsync(context, default)).RetryAfter);
        Assert.Equal(version, CanaryVersion(cluster));

        time.Advance(TimeSpan.FromSeconds(0.5));
        var annotated = await manager.EnsureRoutesAsync(context, default);
        Assert.Equal("updated the canary annotations of Ingress default/web-canary; waiting the 3s grace period", annotated.Message);
        Assert.Equal("xiaoming", cluster.Get(ResourceType.Ingresses, "web-canary")!["metadata"]!["annotations"]!["nginx.ingress.kubernetes.io/canary-by-header-value"]!.GetValue<string>());

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True((await manager.EnsureRoutesAsync(context, default)).IsDone);

        var deleted = await manager.FinaliseAsync(context, routesOnly: false, default);
        Assert.Equal("deleted canary Ingress default/web-canary; waiting the 3s grace period", deleted.Message);
        Assert.False((await manager.FinaliseAsync(context, routesOnly: false, default)).IsDone);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True((await manager.FinaliseAsync(context, routesOnly: false, default)).IsDone);
        Assert.Null(cluster.Get(ResourceType.Ingresses, "web-canary"));
    }

    [Fact]
    public async Task AZeroGracePeriod_LetsTheNextChangeFollowAtOnce()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (manager, _, context) = await SetUpAsync(cluster, gracePeriodSeconds: 0);

        Assert.Equal(TimeSpan.FromMilliseconds(200), (await manager.EnsureRoutesAsync(context, default)).RetryAfter);
        Assert.StartsWith("updated the canary annotations", (await manager.EnsureRoutesAsync(context, default)).Message, StringComparison.Ordinal);
        Assert.True((await manager.EnsureRoutesAsync(context, default)).IsDone);
    }

    private static async Task<(TrafficRoutingManager Manager, FakeTimeProvider Time, TrafficRoutingContext Context)> SetUpAsync(TestCluster cluster, int? gracePeriodSeconds)
    {
        cluster.Apply(TestCluster.ServiceAndIngress("web", "nginx"));
        cluster.Apply($$"""
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: TrafficRouting
            metadata:
              name: lane-traffic
            spec:
              objectRef:
              - service: web
                ingress:
                  name: web
              strategy:
                matches:
                - headers:
                  - name: User-Agent
                    value: xiaoming
            """);
        var uid = cluster.TrafficRouting("lane-traffic")!["metadata"]!["uid"]!.GetValue<string>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        var manager = new TrafficRoutingManager(cluster.Client, [new NginxIngressProvider(cluster.Client)], time, NullLogger<TrafficRoutingManager>.Instance);
        var context = new TrafficRoutingContext
        {
            Namespace = TestCluster.Ns,
            Owner = new TrafficRoutingOwner("rollouts.kruise.io/v1alpha1", "TrafficRouting", "lane-traffic", uid),
            Refs = [new TrafficRoutingRef { Service = "web", GracePeriodSeconds = gracePeriodSeconds, Ingress = new IngressTrafficRouting { Name = "web" } }],
            RefsField = "spec.objectRef",
            Strategy = new TrafficStrategy { Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Type = "Exact", Name = "User-Agent", Value = "xiaoming" }] }] },
            OnlyTrafficRouting = true,
        };
        Assert.True((await manager.InitializeAsync(context, default)).IsDone);
        return (manager, time, context);
    }

    private static string CanaryVersion(TestCluster cluster) =>
        cluster.Get(ResourceType.Ingresses, "web-canary")!["metadata"]!["resourceVersion"]!.GetValue<string>();
}
