using System.Text.Json.Nodes;
using Lanes.Discovery;
using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.Routing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Tests.Cluster;

/// <summary>
/// Objects no controller of a healthy cluster writes, written by hand into a selector-less Service's slices: the
/// affected endpoints are ignored (or base), counted and logged once; the others keep serving.
/// </summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task MalformedSlicesAndPods_AreIgnoredOrBase_CountedAndLoggedOnce_TheRestServes()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        var good = Pod(emulator, "good", new JsonObject { ["app"] = "legacy" });
        var unlabelled = Pod(emulator, "unlabelled", labels: null);
        var badLane = Pod(emulator, "bad-lane", new JsonObject { ["app"] = "legacy", ["alicloud.service.tag"] = "Gray!" });
        await Eventually.WaitAsync(() => PodIp(emulator, "good") is not null && PodIp(emulator, "unlabelled") is not null && PodIp(emulator, "bad-lane") is not null, "pod addresses");
        Service(emulator, "legacy");
        Slice(emulator, "legacy", "legacy-ok", "IPv4", Ports(("http", 8080)), Endpoint(emulator, good), Endpoint(emulator, unlabelled), Endpoint(emulator, badLane));
        Slice(emulator, "legacy", "legacy-v7", "IPv7", Ports(("http", 8080)), Endpoint(emulator, good, "fe80::1"), Endpoint(emulator, good, "fe80::2"));
        Slice(emulator, "legacy", "legacy-bad-address", "IPv4", Ports(("http", 8080)), Endpoint(emulator, good, "10.0.1"));
        Service(emulator, "portless");
        Slice(emulator, "portless", "portless-1", "IPv4", [], Endpoint(emulator, good));

        await using var host = await DiscoveryHost.StartAsync(emulator, start: false);
        using var ignored = DiscoveryHost.Counter(host.Host, "lanes.kubernetes.endpoints.ignored");
        await host.Host.StartAsync();

        var source = await host.Resolver.GetEndpointsAsync("legacy", CancellationToken.None);
        Assert.Equal(
            [$"{PodIp(emulator, "good")}:8080 base", $"{PodIp(emulator, "unlabelled")}:8080 base"],
            source.Endpoints.Select(static e => $"{e.EndPoint} {ServiceInstance.From(e)!.Lane}").Order(StringComparer.Ordinal));
        var portless = await Assert.ThrowsAsync<LaneRoutingException>(() => host.Client.GetAsync(new Uri("http://portless/")));
        Assert.Contains("Kubernetes Service 'portless' in namespace 'default' exposes no TCP port", portless.Message, StringComparison.Ordinal);

        Assert.Equal(2, Count(ignored, "unknown_address_type"));
        Assert.Equal(1, Count(ignored, "malformed_address"));
        Assert.Equal(1, Count(ignored, "no_port"));
        Assert.Equal(1, Count(ignored, "invalid_lane"));
        Assert.Equal(1, Count(ignored, "pod_without_labels"));

        // The same bad slice again: counted again, logged no more.
        emulator.Store.Mutate(new StoredObjectKey(ResourceType.EndpointSlices, "default", "legacy-v7"), static s =>
        {
            s["metadata"]!["annotations"] = new JsonObject { ["again"] = "1" };
            return true;
        });
        await Eventually.WaitAsync(() => Count(ignored, "unknown_address_type") == 4, "the second unknown-type slice to be counted");
        Assert.Single(host.Logs.GetSnapshot(), static r => r.Id.Name == "KubernetesEndpointsIgnored" && r.Message.Contains("'IPv7'", StringComparison.Ordinal));
        Assert.Single(host.Logs.GetSnapshot(), static r => r.Id.Name == "KubernetesPodLaneInvalid" && r.Message.Contains("alicloud.service.tag=Gray!", StringComparison.Ordinal));
        Assert.Single(host.Logs.GetSnapshot(), static r => r.Id.Name == "KubernetesPodWithoutLabels");
    }

    private static long Count(Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == reason).Sum(static m => m.Value);

    private static JsonObject Pod(KubernetesEmulator emulator, string name, JsonObject? labels) =>
        emulator.Store.Create(ResourceType.Pods, "default", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "example/app:v1" }) },
        });

    private static string? PodIp(KubernetesEmulator emulator, string name) =>
        emulator.Store.Get(new StoredObjectKey(ResourceType.Pods, "default", name))?["status"]?["podIP"]?.GetValue<string>();

    private static void Service(KubernetesEmulator emulator, string name) =>
        emulator.Apply(ResourceType.Services, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080 }) },   // no selector: slices by hand
        });

    private static JsonArray Ports(params (string Name, int Port)[] ports) =>
        [.. ports.Select(static p => (JsonNode)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = "TCP" })];

    private static JsonObject Endpoint(KubernetesEmulator emulator, JsonObject pod, string? address = null)
    {
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        return new JsonObject
        {
            ["addresses"] = new JsonArray(address ?? PodIp(emulator, name)),
            ["conditions"] = new JsonObject { ["ready"] = true },
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = "default", ["name"] = name, ["uid"] = pod["metadata"]!["uid"]!.GetValue<string>() },
        };
    }

    private static void Slice(KubernetesEmulator emulator, string service, string name, string addressType, JsonArray ports, params JsonObject[] endpoints) =>
        emulator.Apply(ResourceType.EndpointSlices, new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service } },
            ["addressType"] = addressType,
            ["ports"] = ports,
            ["endpoints"] = new JsonArray([.. endpoints]),
        });
}
