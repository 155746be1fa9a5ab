using System.Net;
using k8s.Models;
using Lanes.Discovery;
using Lanes.Kubernetes.Cluster;
using static Lanes.Kubernetes.Tests.Cluster.SliceEndpointsTests;

namespace Lanes.Kubernetes.Tests.Cluster;

public sealed class ServiceStateTests
{
    private readonly Pods _pods = new();

    [Fact]
    public void Endpoints_CarryTheirPodsLane_AndHealth()
    {
        _pods.Lanes["a"] = Lane.Base;
        _pods.Lanes["b"] = Lane.Parse("gray");
        _pods.Lanes["c"] = Lane.Parse("gray");
        var state = State(("s1", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.1", "a"), Endpoint("10.0.0.2", "b"), Endpoint("10.0.0.3", "c", ready: false, terminating: true))));

        var endpoints = state.Current.GetView(null).Endpoints.Select(ServiceInstance.From).ToList();

        Assert.Equal(["10.0.0.1:8080 base True", "10.0.0.2:8080 gray True", "10.0.0.3:8080 gray False"], endpoints.Select(static e => $"{e!.EndPoint} {e.Lane} {e.Healthy}"));
    }

    [Fact]
    public void UnknownPodsAndInvalidLanes_AreHeldBack()
    {
        _pods.Lanes["a"] = Lane.Base;
        _pods.Invalid.Add("b");
        var state = State(("s1", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.1", "a"), Endpoint("10.0.0.2", "b"), Endpoint("10.0.0.3", "not-yet-seen"))));

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.1"), 8080)], state.Current.GetView(null).Endpoints.Select(static e => e.EndPoint));
    }

    [Fact]
    public void Republishing_WithoutChange_FiresNothing_AndAChangeKeepsWhatDidNotChange()
    {
        _pods.Lanes["a"] = Lane.Base;
        _pods.Lanes["b"] = Lane.Base;
        var state = State(("s1", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.1", "a"))), ("s2", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.2", "b"))));
        var first = state.Current;
        var firstEndpoints = first.GetView(null).Endpoints;

        Assert.Null(state.Publish(_pods, namespaceProblem: null, force: false));
        Assert.Same(first, state.Current);

        _pods.Lanes["b"] = Lane.Parse("gray");
        var fired = state.Publish(_pods, namespaceProblem: null, force: false);

        Assert.Same(first.Changed, fired);
        var second = state.Current.GetView(null).Endpoints;
        Assert.Same(firstEndpoints.Single(static e => e.EndPoint.ToString() == "10.0.0.1:8080"), second.Single(static e => e.EndPoint.ToString() == "10.0.0.1:8080"));
        Assert.Equal("gray", ServiceInstance.From(second.Single(static e => e.EndPoint.ToString() == "10.0.0.2:8080"))!.Lane.Name);
    }

    [Fact]
    public void APodInTwoSlices_IsOneEndpoint_TheRoutableOne()
    {
        _pods.Lanes["a"] = Lane.Base;
        var state = State(
            ("s1", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.1", "a", ready: false))),
            ("s2", Slice("IPv4", [Port("http", 8080)], Endpoint("10.0.0.1", "a"))));

        var endpoint = Assert.Single(state.Current.GetView(null).Endpoints);
        Assert.True(ServiceInstance.From(endpoint)!.Healthy);
    }

    [Fact]
    public void Ports_ByName_ElseTheSingleOne_ElseAProblemNamingThem()
    {
        _pods.Lanes["a"] = Lane.Base;
        var state = State(("s1", Slice("IPv4", [Port("http", 8080), Port("grpc", 9090)], Endpoint("10.0.0.1", "a"))));

        Assert.Equal(9090, ((IPEndPoint)state.Current.GetView("grpc").Endpoints.Single().EndPoint).Port);
        var ambiguous = state.Current.GetView(null);
        Assert.Empty(ambiguous.Endpoints);
        Assert.Contains("has several ports (http, grpc)", ambiguous.Problem, StringComparison.Ordinal);
        Assert.Contains("no port named 'metrics' (its ports: http, grpc)", state.Current.GetView("metrics").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AServiceWithoutPorts_IsAProblem_AServiceWithoutPodsIsNot()
    {
        _pods.Lanes["a"] = Lane.Base;
        var noPorts = State(("s1", Slice("IPv4", [], Endpoint("10.0.0.1", "a"))));
        var noPods = State(("s1", Slice("IPv4", [])));

        Assert.Contains("exposes no TCP port", noPorts.Current.GetView(null).Problem, StringComparison.Ordinal);
        Assert.Null(noPods.Current.GetView(null).Problem);
    }

    [Fact]
    public void NoSlices_MeansTheServiceDoesNotExist_OrTheNamespaceProblem()
    {
        var state = new ServiceState("orders", "shop", namespaceProblem: null);

        Assert.Equal(
            "Kubernetes Service 'orders' was not found in namespace 'shop' (no EndpointSlice is labelled kubernetes.io/service-name=orders).",
            state.Current.GetView(null).Problem);
        Assert.NotNull(state.Publish(_pods, "the Kubernetes API server refused", force: true));
        Assert.Equal("the Kubernetes API server refused", state.Current.GetView(null).Problem);
    }

    private ServiceState State(params (string Name, V1EndpointSlice Slice)[] slices)
    {
        var state = new ServiceState("orders", "default", namespaceProblem: null);
        foreach (var (name, slice) in slices)
        {
            slice.Metadata.Name = name;
            state.SetSlice(name, SliceEndpoints.Read(slice)!);
        }

        state.Publish(_pods, namespaceProblem: null, force: true);
        return state;
    }

    private sealed class Pods : IPodLanes
    {
        public Dictionary<string, Lane> Lanes { get; } = [];

        public HashSet<string> Invalid { get; } = [];

        public Lane? LaneOf(in SliceEndpoint endpoint) =>
            endpoint.PodName is null ? Lane.Base : Invalid.Contains(endpoint.PodName) ? null : Lanes.TryGetValue(endpoint.PodName, out var lane) ? lane : null;
    }
}
