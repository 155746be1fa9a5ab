using System.Net;
using BenchmarkDotNet.Attributes;
using Lanes.Discovery;
using Lanes.Routing;

namespace Lanes.Benchmarks.Routing;

/// <summary>
/// Rebuilding the lane partitions when the endpoint set changes, and a weighted pick from them. A tenth of the
/// instances are gray, weights are mixed (1, 2, 3), as discovery hands them over.
/// </summary>
[MemoryDiagnoser]
public class LaneIndexBenchmark
{
    private static readonly Lane Gray = Lane.Parse("gray");
    private LaneIndex _index = null!;
    private Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint[] _endpoints = null!;
    private Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint[] _fresh = null!;

    [Params(100, 1_000, 10_000)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _endpoints = Endpoints();
        _fresh = Endpoints();
        _index = LaneIndex.Build(_endpoints);
    }

    [Benchmark(Baseline = true, Description = "weighted pick, base")]
    public object? PickBase() => _index.Pick(Lane.Base, out _);

    [Benchmark(Description = "weighted pick, lane")]
    public object? PickLane() => _index.Pick(Gray, out _);

    /// <summary>What a refresh costs when discovery hands back the unchanged endpoint objects (Nacos, Kubernetes do).</summary>
    [Benchmark(Description = "rebuild, same endpoint objects")]
    public object Rebuild() => LaneIndex.Build(_endpoints);

    /// <summary>What it costs when every endpoint object is new (a first list, or a provider that rebuilds them all).</summary>
    [Benchmark(Description = "rebuild, all endpoints new")]
    public object RebuildNew()
    {
        // New objects each time: the route target cache is keyed by endpoint object.
        var fresh = new Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint[_fresh.Length];
        for (var i = 0; i < fresh.Length; i++)
        {
            fresh[i] = Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint.Create(_fresh[i].EndPoint, _fresh[i].Features);
        }

        return LaneIndex.Build(fresh);
    }

    private Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint[] Endpoints() => Enumerable.Range(0, Instances)
        .Select(i => new ServiceInstance(new IPEndPoint(IPAddress.Loopback, 10_000 + i), i % 10 == 0 ? Gray : Lane.Base, 1 + (i % 3)).ToServiceEndpoint())
        .ToArray();
}
