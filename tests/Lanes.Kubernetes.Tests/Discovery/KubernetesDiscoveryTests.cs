using System.Net;
using Lanes.Discovery;
using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.Routing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Tests.Discovery;

/// <summary>Resolution through ME.SD, the real KubernetesClient and the emulator's EndpointSlices.</summary>
public sealed class KubernetesDiscoveryTests
{
    [Fact]
    public async Task ReadyEndpoints_CarryTheLaneOfTheirPod()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 2);
        TestApps.Deploy(emulator, "orders", 1, lane: "gray");
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 3);
        await using var host = await DiscoveryHost.StartAsync(emulator);

        var source = await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None);

        var expected = TestApps.Pods(emulator, "orders")
            .Select(static p => $"{p["status"]!["podIP"]}:8080 {(p["metadata"]!["labels"]!["alicloud.service.tag"] is null ? "base" : "gray")}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, source.Endpoints.Select(static e => $"{e.EndPoint} {ServiceInstance.From(e)!.Lane}").Order(StringComparer.Ordinal));
        Assert.All(source.Endpoints, static e => Assert.True(IPAddress.IsLoopback(((IPEndPoint)e.EndPoint).Address), $"{e.EndPoint} is not a loopback pod address"));
    }

    [Fact]
    public async Task NamespacedNames_ResolveInTheirNamespace_AndUnqualifiedOnesInTheHomeNamespace()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1, ns: "shop");
        TestApps.Service(emulator, "orders", "shop");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1, "shop");
        await using var host = await DiscoveryHost.StartAsync(emulator);

        Assert.Single((await host.Resolver.GetEndpointsAsync("orders.shop", CancellationToken.None)).Endpoints);
        Assert.Single((await host.Resolver.GetEndpointsAsync("orders.shop.svc.cluster.local", CancellationToken.None)).Endpoints);
        var error = await Assert.ThrowsAsync<LaneRoutingException>(() => host.Client.GetAsync(new Uri("http://orders/")));
        Assert.Contains("Kubernetes Service 'orders' was not found in namespace 'default'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ports_AreChosenByName_ElseTheSingleOne_ElseTheCallSaysWhy()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Service(emulator, "orders", "default", ("http", 8080), ("grpc", 9090));
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator);

        var grpc = await host.Resolver.GetEndpointsAsync("_grpc.orders", CancellationToken.None);
        Assert.Equal(9090, ((IPEndPoint)Assert.Single(grpc.Endpoints).EndPoint).Port);
        var error = await Assert.ThrowsAsync<LaneRoutingException>(() => host.Client.GetAsync(new Uri("http://orders/")));
        Assert.Contains("Kubernetes Service 'orders' in namespace 'default' has several ports (http, grpc)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletedService_FailsCalls_WithLanesErrorNamingIt()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 2);
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 2);
        await using var host = await DiscoveryHost.StartAsync(emulator);
        Assert.Equal(2, (await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints.Count);

        emulator.Store.Delete(new StoredObjectKey(ResourceType.Services, "default", "orders"));   // its EndpointSlices go with it

        LaneRoutingException? error = null;
        await Eventually.WaitAsync(
            () =>
            {
                try
                {
                    host.Client.GetAsync(new Uri("http://orders/api")).GetAwaiter().GetResult().Dispose();
                }
                catch (LaneRoutingException e)
                {
                    error = e;
                }
                catch (HttpRequestException)
                {
                    // Still the deleted Service's pods (nothing listens at their addresses here): not seen yet.
                }

                return error is not null;
            },
            "calls to the deleted Service to fail with Lanes' error");
        Assert.Equal("orders", error!.ServiceName);
        Assert.Equal(
            "Service 'orders' could not be resolved: Kubernetes Service 'orders' was not found in namespace 'default' (no EndpointSlice is labelled kubernetes.io/service-name=orders).",
            error.Message);
    }

    [Fact]
    public async Task AddedPod_ReachesTheResolver_ThroughTheChangeToken()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Deploy(emulator, "orders", 0, lane: "gray");
        TestApps.Service(emulator, "orders");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator);
        var before = await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None);

        emulator.Store.Mutate(new StoredObjectKey(ResourceType.Deployments, "default", "orders-gray"), static d =>
        {
            d["spec"]!["replicas"] = 1;
            return true;
        });

        // The slice may name the new pod before its pod event arrives on the other watch: it is held back until then.
        await Eventually.WaitAsync(() => before.ChangeToken.HasChanged, "the change token of the old endpoints to fire");
        await Eventually.WaitAsync(
            () => host.Resolver.GetEndpointsAsync("orders", CancellationToken.None).AsTask().GetAwaiter().GetResult().Endpoints.Any(static e => ServiceInstance.From(e)!.Lane.Name == "gray"),
            "the gray pod among the endpoints");
    }

    [Fact]
    public async Task AStatusUpdateOfAPod_FiresNoChange_ALabelChangeDoes()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Deploy(emulator, "billing", 1);
        TestApps.Service(emulator, "orders");
        TestApps.Service(emulator, "billing");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await TestApps.WaitForReadyEndpointsAsync(emulator, "billing", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator);
        var orders = await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None);
        var billing = await host.Resolver.GetEndpointsAsync("billing", CancellationToken.None);
        var ordersPod = new StoredObjectKey(ResourceType.Pods, "default", TestApps.Pods(emulator, "orders")[0]["metadata"]!["name"]!.GetValue<string>());
        var billingPod = new StoredObjectKey(ResourceType.Pods, "default", TestApps.Pods(emulator, "billing")[0]["metadata"]!["name"]!.GetValue<string>());

        emulator.Store.Mutate(ordersPod, static p =>
        {
            p["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { ["touched"] = "yes" };
            return true;
        });
        emulator.Store.Mutate(billingPod, static p =>
        {
            p["metadata"]!["labels"]!["alicloud.service.tag"] = "gray";
            return true;
        });

        // Pod events arrive in order: once billing's relabel is seen, orders' annotation was seen before it.
        await Eventually.WaitAsync(() => billing.ChangeToken.HasChanged, "billing's pod relabel to fire its token");
        Assert.False(orders.ChangeToken.HasChanged);
        Assert.Equal("gray", ServiceInstance.From((await host.Resolver.GetEndpointsAsync("billing", CancellationToken.None)).Endpoints[0])!.Lane.Name);
    }
}
