using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Lanes.Nacos.StandIn;
using Lanes.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Benchmarks.Nacos;

/// <summary>
/// Change to routable over gRPC: the Nacos stand-in (a real HTTP/2 gRPC server on loopback) moves the gray instance of
/// a subscribed service and pushes the change (<c>NotifySubscriberRequest</c> on the connection's stream); the operation
/// ends when lane-aware routing picks the moved instance. It covers the server's push write, the client's stream read,
/// the acknowledgement, parsing, the change token, Microsoft.Extensions.ServiceDiscovery's refresh and the lane index
/// rebuild. The v1 twin is <see cref="NacosPushLatencyBenchmarks"/> (UDP).
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class NacosGrpcPushLatencyBenchmarks
{
    private const int Instances = 50;
    private readonly Lane _gray = Lane.Parse("gray");
    private NacosStandIn _nacos = null!;
    private ServiceProvider _services = null!;
    private LaneRouter _router = null!;
    private string _cacheDirectory = null!;
    private int _next;

    /// <summary>Starts the stand-in with the service, and discovery subscribed to it over gRPC.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _nacos = await NacosStandIn.StartAsync();
        _nacos.SetInstances("orders", List(variant: 0));
        _cacheDirectory = Path.Combine(Path.GetTempPath(), "lanes-bench-" + Guid.NewGuid().ToString("N"));
        var config = new Dictionary<string, string?>
        {
            ["Lanes:Nacos:ServerAddresses:0"] = _nacos.Address,
            ["Lanes:Nacos:Transport"] = "Grpc",
            ["Lanes:Nacos:MinRefreshInterval"] = "00:00:30",
            ["Lanes:Nacos:MaxRefreshInterval"] = "00:01:00",
            ["Lanes:Nacos:FailoverCacheDirectory"] = _cacheDirectory,
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging();
        services.AddTrafficLanesNacosDiscovery();
        _services = services.BuildServiceProvider();
        _router = _services.GetRequiredService<LaneRouter>();
        var first = await _router.SelectAsync("orders", _gray, default(TriedTargets), CancellationToken.None);
        if (Port(first) != 9000)
        {
            throw new InvalidOperationException("The subscription did not load the list.");
        }
    }

    /// <summary>One pushed change, then requests until routing sends gray traffic to the moved instance.</summary>
    [Benchmark]
    public async Task<int> PushToRoutable()
    {
        var variant = ++_next & 1;
        var expected = 9000 + variant;
        _nacos.SetInstances("orders", List(variant));
        for (var i = 0; i < 1_000_000; i++)
        {
            var selection = await _router.SelectAsync("orders", _gray, default(TriedTargets), CancellationToken.None);
            if (Port(selection) == expected)
            {
                return i;
            }

            await Task.Yield();
        }

        throw new InvalidOperationException("The push never became routable.");
    }

    /// <summary>Stops discovery and the stand-in.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _nacos.DisposeAsync();
        if (Directory.Exists(_cacheDirectory))
        {
            Directory.Delete(_cacheDirectory, recursive: true);
        }
    }

    private static int Port(RouteSelection selection) => ((IPEndPoint)selection.Target.Endpoint.EndPoint).Port;

    // The gray instance listens on 9000 + variant.
    private static IEnumerable<StandInInstance> List(int variant)
    {
        for (var i = 0; i < Instances; i++)
        {
            var gray = i == 0;
            yield return new StandInInstance(
                $"10.0.0.{i + 1}",
                gray ? 9000 + variant : 8080,
                1,
                Healthy: true,
                Enabled: true,
                Ephemeral: true,
                "DEFAULT",
                gray ? new Dictionary<string, string> { ["opensergo.io/canary-gray"] = "gray" } : new Dictionary<string, string> { ["opensergo.io/canary"] = string.Empty },
                ConnectionId: null);
        }
    }
}
