using BenchmarkDotNet.Attributes;
using Lanes.Propagation;
using Microsoft.Extensions.Primitives;

namespace Lanes.Benchmarks.Propagation;

/// <summary>Reading the lane from a header and from a baggage list: no allocation for well-formed input.</summary>
[MemoryDiagnoser]
public class LaneReaderBenchmark
{
    private readonly StringValues _header = "gray";
    private readonly StringValues _baggage = "userId=alice,tenant=t1,x-mse-tag=gray;p=1,region=eu";
    private readonly StringValues _malformed = "gray\r\nx-injected: 1";

    [Benchmark(Baseline = true)]
    public LaneRejection Header() => LaneReader.ReadHeader(_header, out _);

    [Benchmark]
    public LaneRejection Baggage() => LaneReader.ReadBaggage(_baggage, "x-mse-tag", out _);

    [Benchmark]
    public LaneRejection Malformed() => LaneReader.ReadHeader(_malformed, out _);
}
