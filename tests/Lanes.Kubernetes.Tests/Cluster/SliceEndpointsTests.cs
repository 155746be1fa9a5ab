using FsCheck;
using FsCheck.Fluent;
using k8s.Models;
using Lanes.Kubernetes.Cluster;

namespace Lanes.Kubernetes.Tests.Cluster;

public sealed class SliceEndpointsTests
{
    [Theory]
    [InlineData(null, null, null, true)]            // unset conditions: ready
    [InlineData(true, true, false, true)]
    [InlineData(false, false, false, false)]        // not ready
    [InlineData(false, true, true, false)]          // terminating, still serving: no new requests
    [InlineData(true, true, true, false)]           // publishNotReadyAddresses keeps ready true while terminating
    [InlineData(true, false, false, false)]         // ready but not serving
    [InlineData(null, null, true, false)]
    public void Conditions_DecideWhetherAnEndpointTakesNewRequests(bool? ready, bool? serving, bool? terminating, bool routable) =>
        Assert.Equal(routable, SliceEndpoints.IsRoutable(new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating }));

    [Fact]
    public void Slice_IsReadWithPortsPodsAndConditions()
    {
        var read = SliceEndpoints.Read(Slice("IPv4", [Port("http", 8080), Port("dns", 53, "UDP"), Port("all", null)], Endpoint("10.0.0.1", "pod-a"), Endpoint("10.0.0.2", "pod-b", ready: false)))!;

        Assert.Equal("orders", read.ServiceName);
        Assert.Equal([new SlicePort("http", 8080)], read.Ports);   // UDP and port-less entries carry no HTTP
        Assert.Equal(2, read.Endpoints.Length);
        Assert.Equal(("pod-a", true), (read.Endpoints[0].PodName, read.Endpoints[0].Routable));
        Assert.False(read.Endpoints[1].Routable);
        Assert.True(read.PodNames!.SetEquals(["pod-a", "pod-b"]));
        Assert.All(read.Ignored, static count => Assert.Equal(0, count));
    }

    [Theory]
    [InlineData("IPv6", "fd00::1", true)]
    [InlineData("IPv6", "10.0.0.1", false)]
    [InlineData("IPv4", "fd00::1", false)]
    [InlineData("IPv4", "10.0.1", false)]
    [InlineData("IPv4", "999.0.0.1", false)]
    [InlineData("IPv4", "10.0.0.1%eth0", false)]
    [InlineData("FQDN", "orders.example.com", true)]
    [InlineData("FQDN", "not a host", false)]
    public void Addresses_MustMatchTheSlicesType(string type, string address, bool used)
    {
        var read = SliceEndpoints.Read(Slice(type, [Port("http", 80)], Endpoint(address, "pod")))!;

        Assert.Equal(used ? 1 : 0, read.Endpoints.Length);
        Assert.Equal(used ? 0 : 1, read.Ignored[(int)IgnoredReason.MalformedAddress]);
    }

    [Fact]
    public void UnknownAddressType_IgnoresTheSlicesEndpoints_AndSaysWhichType()
    {
        var read = SliceEndpoints.Read(Slice("IPv7", [Port("http", 80)], Endpoint("10.0.0.1", "a"), Endpoint("10.0.0.2", "b")))!;

        Assert.Empty(read.Endpoints);
        Assert.Equal(2, read.Ignored[(int)IgnoredReason.UnknownAddressType]);
        Assert.Equal("IPv7", read.UnknownAddressType);
    }

    [Fact]
    public void NoPorts_IgnoresTheEndpoints()
    {
        var read = SliceEndpoints.Read(Slice("IPv4", [], Endpoint("10.0.0.1", "a")))!;

        Assert.Empty(read.Endpoints);
        Assert.Equal(1, read.Ignored[(int)IgnoredReason.NoPort]);
    }

    [Fact]
    public void EndpointsThatAreNotPods_HaveNoPod()
    {
        var endpoint = Endpoint("10.0.0.1", "x");
        endpoint.TargetRef = new V1ObjectReference { Kind = "Node", Name = "x" };

        var read = SliceEndpoints.Read(Slice("IPv4", [Port("http", 80)], endpoint))!;

        Assert.Null(read.Endpoints[0].PodName);
        Assert.Null(read.PodNames);
    }

    [Fact]
    public void SliceWithoutServiceLabel_IsNotRead()
    {
        var slice = Slice("IPv4", [Port("http", 80)], Endpoint("10.0.0.1", "a"));
        slice.Metadata.Labels.Clear();

        Assert.Null(SliceEndpoints.Read(slice));
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property AnySlice_IsReadWithoutThrowing_AndEveryEndpointIsAccountedFor(string? addressType, string?[] addresses, int?[] ports, bool?[] ready)
    {
        var endpoints = (addresses ?? []).Select((a, i) => new V1Endpoint
        {
            Addresses = a is null ? null : [a],
            Conditions = new V1EndpointConditions { Ready = ready is { Length: > 0 } ? ready[i % ready.Length] : null },
            TargetRef = i % 2 == 0 ? new V1ObjectReference { Kind = "Pod", Name = "p" + i } : null,
        }).ToList();
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "s", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "orders" } },
            AddressType = addressType,
            Endpoints = endpoints,
            Ports = (ports ?? []).Select(static p => new Discoveryv1EndpointPort { Port = p, Name = "p" }).ToList(),
        };

        var read = SliceEndpoints.Read(slice)!;
        return (read.Endpoints.Length + read.Ignored.Sum() == endpoints.Count).ToProperty();
    }

    internal static V1EndpointSlice Slice(string addressType, Discoveryv1EndpointPort[] ports, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "orders-abcde",
            ResourceVersion = "1",
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "orders" },
        },
        AddressType = addressType,
        Ports = ports,
        Endpoints = endpoints,
    };

    internal static Discoveryv1EndpointPort Port(string name, int? port, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };

    internal static V1Endpoint Endpoint(string address, string pod, bool? ready = true, bool? terminating = false) => new()
    {
        Addresses = [address],
        Conditions = new V1EndpointConditions { Ready = ready, Serving = ready, Terminating = terminating },
        TargetRef = new V1ObjectReference { Kind = "Pod", Name = pod, Uid = pod + "-uid" },
    };
}
