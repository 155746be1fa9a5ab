using BenchmarkDotNet.Attributes;
using Lanes.Nacos;
using Lanes.Nacos.Client;
using Lanes.Nacos.Subscriptions;
using Lanes.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lanes.Benchmarks.Nacos;

/// <summary>
/// A Nacos poll answer of 10,000 instances applied to a subscription (parse, endpoints, snapshot swap,
/// change token) and its lane partitions rebuilt, as routing does on the next request. Target: &lt; 10 ms, &lt; 10 MB.
/// </summary>
[MemoryDiagnoser]
public class NacosRefreshBenchmarks
{
    private byte[][] _changed = null!;
    private byte[] _unchanged = null!;
    private NacosServiceSubscription _subscription = null!;
    private NacosServiceCatalog _catalog = null!;
    private ServiceProvider _services = null!;
    private int _next;

    /// <summary>Instances in the list.</summary>
    [Params(100, 1_000, 10_000)]
    public int Instances { get; set; }

    /// <summary>Builds the answers and a subscription that reads them without any server.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _changed = [InstanceListJson.Build("orders", Instances, 0, 1), InstanceListJson.Build("orders", Instances, 1, 2)];
        _unchanged = InstanceListJson.Build("orders", Instances, 1, 3);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Nacos:ServerAddresses:0"] = "http://127.0.0.1:1",
            ["Lanes:Nacos:FailoverCacheEnabled"] = "false",
        }).Build());
        services.AddLogging();
        services.AddTrafficLanesNacosDiscovery();
        _services = services.BuildServiceProvider();
        _catalog = _services.GetRequiredService<NacosServiceCatalog>();
        _subscription = new NacosServiceSubscription(new NacosServiceName("DEFAULT_GROUP", "orders"), _catalog, NullLogger.Instance);
        _ = _subscription.Apply(_changed[1], ServiceInfoSource.Poll);
    }

    /// <summary>A changed list: parsed, swapped in, partitioned by lane.</summary>
    [Benchmark(Baseline = true)]
    public int RefreshChangedListAndRebuildLanes()
    {
        var json = _changed[_next++ & 1];
        if (_subscription.Apply(json, ServiceInfoSource.Poll) != ApplyResult.Changed)
        {
            throw new InvalidOperationException("Every other answer must be a change.");
        }

        return LaneIndex.Build(_subscription.Current.Endpoints).LaneCount;
    }

    /// <summary>The first list of a service (nothing to reuse): every endpoint built, partitioned by lane.</summary>
    [Benchmark]
    public int FirstListAndBuildLanes()
    {
        if (!ServiceInfoParser.TryReadInstances(_changed[0], _catalog.LaneMetadata, null, out var endpoints, out _, out _, out _))
        {
            throw new InvalidOperationException("The list must parse.");
        }

        return LaneIndex.Build(endpoints).LaneCount;
    }

    /// <summary>The same hosts with a newer <c>lastRefTime</c>: what most polls of a real server bring.</summary>
    [Benchmark]
    public int RefreshUnchangedList() => (int)_subscription.Apply(_unchanged, ServiceInfoSource.Poll);

    /// <summary>Releases the client.</summary>
    [GlobalCleanup]
    public void Cleanup() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
