using System.Net;
using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Kubernetes.Tests.Watching;

/// <summary>The shared watches against the ways a watch ends: a drop, an expired resourceVersion, an API server that is gone.</summary>
public sealed class ResourceWatchTests
{
    [Fact]
    public async Task Drop_ResumesFromTheLastResourceVersion_WithoutRelisting()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator, start: false);
        using var lists = DiscoveryHost.Counter(host.Host, "lanes.kubernetes.lists");
        await host.Host.StartAsync();
        Assert.Single((await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints);
        await Eventually.WaitAsync(() => emulator.Store.OpenWatchCount == 2, "the two watches to open");

        Assert.Equal(2, emulator.Store.DropWatches());
        Scale(emulator, "orders", 2);

        await Eventually.WaitAsync(() => Endpoints(host, "orders").Count == 2, "the new pod after the drop");
        Assert.Equal(2, lists.GetMeasurementSnapshot().Count);   // one list per resource, at start
    }

    [Fact]
    public async Task Expired_Relists_AndSeesWhatChangedWhileAway()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 2);
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 2);
        await using var host = await DiscoveryHost.StartAsync(emulator, start: false);
        using var expired = DiscoveryHost.Counter(host.Host, "lanes.kubernetes.watch.expired");
        await host.Host.StartAsync();
        var before = (await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints.Select(static e => e.EndPoint.ToString()).ToList();
        await Eventually.WaitAsync(() => emulator.Store.OpenWatchCount == 2, "the two watches to open");

        emulator.Unavailable = true;
        var gone = TestApps.Pods(emulator, "orders")[0];
        emulator.Store.Delete(new StoredObjectKey(ResourceType.Pods, "default", gone["metadata"]!["name"]!.GetValue<string>()));   // replaced by its ReplicaSet
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 2);
        await Eventually.WaitAsync(() => !TestApps.ReadyAddresses(emulator, "orders").Contains(gone["status"]!["podIP"]!.GetValue<string>()), "the replacement pod");
        emulator.Store.CompactHistory();
        emulator.Unavailable = false;

        var expected = TestApps.ReadyAddresses(emulator, "orders").Select(static a => a + ":8080").ToList();
        Assert.NotEqual(before.Order(StringComparer.Ordinal), expected);
        await Eventually.WaitAsync(
            () => Endpoints(host, "orders").Order(StringComparer.Ordinal).SequenceEqual(expected),
            "the relisted endpoints");
        Assert.True(expired.GetMeasurementSnapshot().Count >= 1);
        Assert.Contains(host.Logs.GetSnapshot(), static r => r.Id.Name == "KubernetesWatchExpired");
    }

    [Fact]
    public async Task Outage_KeepsTheLastKnownEndpoints_IsLoggedAndCounted_ThenCatchesUp()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 2);
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 2);
        await using var host = await DiscoveryHost.StartAsync(emulator, start: false);
        using var errors = DiscoveryHost.Counter(host.Host, "lanes.kubernetes.watch.errors");
        await host.Host.StartAsync();
        var before = await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None);
        await Eventually.WaitAsync(() => emulator.Store.OpenWatchCount == 2, "the two watches to open");

        emulator.Unavailable = true;
        Scale(emulator, "orders", 3);
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 3);

        // Both watches have failed again and again: still the endpoints from before, unchanged.
        await Eventually.WaitAsync(() => errors.GetMeasurementSnapshot().Count(static m => (string?)m.Tags["reason"] == "unreachable") >= 6, "repeated failed reconnects");
        Assert.False(before.ChangeToken.HasChanged);
        Assert.Same(before, await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None));
        Assert.Equal(2, host.Logs.GetSnapshot().Count(static r => r.Id.Name == "KubernetesWatchLost"));   // once per watch, not per attempt

        emulator.Unavailable = false;

        await Eventually.WaitAsync(() => Endpoints(host, "orders").Count == 3, "the pod added during the outage");
        await Eventually.WaitAsync(() => host.Logs.GetSnapshot().Count(static r => r.Id.Name == "KubernetesWatchRecovered") >= 1, "the recovery to be logged");
    }

    [Fact]
    public async Task ApiServerDown_AtTheFirstCall_FailsTheCallNamingWhy_AndRecovers()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator, settings: new Dictionary<string, string?> { ["Lanes:Kubernetes:VerifyPermissionsOnStart"] = "false" });
        emulator.Unavailable = true;

        var error = await Assert.ThrowsAsync<Lanes.Routing.LaneRoutingException>(() => host.Client.GetAsync(new Uri("http://orders/")));
        Assert.Contains("the Kubernetes API server could not list", error.Message, StringComparison.Ordinal);

        emulator.Unavailable = false;
        await Eventually.WaitAsync(() => Endpoints(host, "orders").Count == 1, "the endpoints once the API server answers");
        Assert.Equal(IPAddress.Parse(TestApps.ReadyAddresses(emulator, "orders")[0]), ((IPEndPoint)(await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints[0].EndPoint).Address);
    }

    private static List<string> Endpoints(DiscoveryHost host, string service) =>
        [.. host.Resolver.GetEndpointsAsync(service, CancellationToken.None).AsTask().GetAwaiter().GetResult().Endpoints.Select(static e => e.EndPoint.ToString()!)];

    private static void Scale(KubernetesEmulator emulator, string deployment, int replicas) =>
        emulator.Store.Mutate(new StoredObjectKey(ResourceType.Deployments, "default", deployment), d =>
        {
            d["spec"]!["replicas"] = replicas;
            return true;
        });
}
