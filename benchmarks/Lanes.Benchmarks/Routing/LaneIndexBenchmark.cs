using System.Net;
using BenchmarkDotNet.Attributes;
using Lanes.Discovery;
using Lanes.Routing;

namespace Lanes.Benchmarks.Routing;

/// <summary>Picking an instance from precomputed lane partitions, and rebuilding them when the endpoint set changes.</summary>
[MemoryDiagnoser]
public class LaneIndexBenchmark
{
    private static readonly Lane Gray = Lane.Parse("gray");
    private static readonly Lane Blue = Lane.Parse("blue");
    private LaneIndex _index = null!;
    private Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint[] _endpoints = null!;

    [Params(3, 20, 200)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A tenth of the instances are gray, with mixed weights in both partitions.
        _endpoints = Enumerable.Range(0, Instances)
            .Select(i => new ServiceInstance(new IPEndPoint(IPAddress.Loopback, 10_000 + i), i % 10 == 0 ? Gray : Lane.Base, 1 + (i % 3)).ToServiceEndpoint())
            .ToArray();
        _index = LaneIndex.Build(_endpoints);
    }

    [Benchmark(Baseline = true)]
    public object? PickBase() => _index.Pick(Lane.Base, out _);

    [Benchmark]
    public object? PickLane() => _index.Pick(Gray, out _);

    [Benchmark]
    public object? PickFallback() => _index.Pick(Blue, out _);

    [Benchmark]
    public object Rebuild() => LaneIndex.Build(_endpoints);
}
