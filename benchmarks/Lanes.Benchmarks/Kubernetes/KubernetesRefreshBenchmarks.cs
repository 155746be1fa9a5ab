using System.Globalization;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using k8s;
using k8s.Models;
using Lanes.Kubernetes;
using Lanes.Kubernetes.Cluster;
using Lanes.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lanes.Benchmarks.Kubernetes;

/// <summary>
/// A Service of 10,000 endpoints (100 EndpointSlices of 100, a tenth of the pods gray): one watch event changes one
/// endpoint, and the Service's endpoints and lane partitions are rebuilt as routing does on the next request
/// (deserialize the event, read the slice, resolve lanes, publish the snapshot, build the endpoint list, LaneIndex).
/// Target: &lt; 10 ms, &lt; 10 MB.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class KubernetesRefreshBenchmarks
{
    private const int PerSlice = 100;
    private string[] _changedSlice = null!;
    private string[] _relabelledPod = null!;
    private List<V1EndpointSlice> _slices = null!;
    private List<V1Pod> _pods = null!;
    private NamespaceView _view = null!;
    private ServiceState _service = null!;
    private IKubernetes _client = null!;
    private int _next;

    /// <summary>Endpoints of the Service.</summary>
    [Params(10_000)]
    public int Endpoints { get; set; }

    /// <summary>Builds the slices, pods and watch events, and a namespace view fed without any server.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pods = [.. Enumerable.Range(0, Endpoints).Select(Pod)];
        _slices = [.. Enumerable.Range(0, Endpoints / PerSlice).Select(s => Slice(s, notReady: -1, resourceVersion: "1"))];

        // Slice 37 with its 5th endpoint turning not ready, then ready again: each event is a real change.
        _changedSlice = [Event(Slice(37, notReady: 5, resourceVersion: "2")), Event(Slice(37, notReady: -1, resourceVersion: "3"))];
        var pod = Pod(3_705);
        pod.Metadata.Labels["alicloud.service.tag"] = "blue";
        pod.Metadata.ResourceVersion = "2";
        var back = Pod(3_705);
        back.Metadata.ResourceVersion = "3";
        _relabelledPod = [Event(pod), Event(back)];

        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        _view = CreateView();
        _service = _view.Acquire("orders");
        _view.ReplacePods(_pods);
        _view.ReplaceSlices(_slices);
        if (_service.Current.GetView(null).Endpoints.Length != Endpoints)
        {
            throw new InvalidOperationException("Every endpoint must resolve.");
        }
    }

    /// <summary>One endpoint of one slice changes: the watch event read, the Service republished, lanes partitioned.</summary>
    [Benchmark(Baseline = true)]
    public int EndpointChangeAndRebuildLanes()
    {
        var slice = KubernetesJson.Deserialize<Watcher<V1EndpointSlice>.WatchEvent>(_changedSlice[_next++ & 1]).Object;
        _view.ApplySlice(WatchEventType.Modified, slice);
        return LaneIndex.Build(_service.Current.GetView(null).Endpoints).LaneCount;
    }

    /// <summary>One pod's lane label changes: its slice re-resolved, the Service republished, lanes partitioned.</summary>
    [Benchmark]
    public int PodLaneChangeAndRebuildLanes()
    {
        var pod = KubernetesJson.Deserialize<Watcher<V1Pod>.WatchEvent>(_relabelledPod[_next++ & 1]).Object;
        _view.ApplyPod(WatchEventType.Modified, pod);
        return LaneIndex.Build(_service.Current.GetView(null).Endpoints).LaneCount;
    }

    /// <summary>A namespace's first lists (10,000 pods, 100 slices, already deserialized) and the Service's lanes.</summary>
    [Benchmark]
    public int FirstListAndBuildLanes()
    {
        var view = CreateView();
        var service = view.Acquire("orders");
        view.ReplacePods(_pods);
        view.ReplaceSlices(_slices);
        return LaneIndex.Build(service.Current.GetView(null).Endpoints).LaneCount;
    }

    /// <summary>Releases the client.</summary>
    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();

    private NamespaceView CreateView() =>
        new("default", _client, new KubernetesDiscoveryOptions(), TimeProvider.System, new KubernetesMetrics(new NoMeterFactory()), NullLoggerFactory.Instance);

    private static string Name(int i) => "orders-7f76454648-" + i.ToString("x5", CultureInfo.InvariantCulture);

    private static V1Pod Pod(int i) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = Name(i),
            NamespaceProperty = "default",
            Uid = "uid-" + i.ToString(CultureInfo.InvariantCulture),
            ResourceVersion = "1",
            Labels = i % 10 == 0
                ? new Dictionary<string, string> { ["app"] = "orders", ["alicloud.service.tag"] = "gray", ["opensergo.io/canary-gray"] = "gray" }
                : new Dictionary<string, string> { ["app"] = "orders", ["pod-template-hash"] = "7f76454648" },
        },
    };

    private static V1EndpointSlice Slice(int s, int notReady, string resourceVersion) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = "orders-" + s.ToString("x5", CultureInfo.InvariantCulture),
            NamespaceProperty = "default",
            ResourceVersion = resourceVersion,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "orders", ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. Enumerable.Range(s * PerSlice, PerSlice).Select(i => new V1Endpoint
        {
            Addresses = [$"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"],
            Conditions = new V1EndpointConditions { Ready = i - (s * PerSlice) != notReady, Serving = true, Terminating = false },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = Name(i), NamespaceProperty = "default", Uid = "uid-" + i.ToString(CultureInfo.InvariantCulture) },
            NodeName = "node-" + (i % 50).ToString(CultureInfo.InvariantCulture),
        })],
    };

    private static string Event<T>(T item) =>
        new JsonObject { ["type"] = "MODIFIED", ["object"] = JsonNode.Parse(KubernetesJson.Serialize(item)) }.ToJsonString();

    private sealed class NoMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
