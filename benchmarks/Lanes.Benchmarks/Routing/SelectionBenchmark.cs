using System.Net;
using BenchmarkDotNet.Attributes;
using Lanes.Discovery;
using Lanes.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Lanes.Benchmarks.Routing;

/// <summary>
/// Picking one instance, side by side with the pickers users have without lanes: Microsoft.Extensions.ServiceDiscovery's
/// round robin and YARP's <c>PowerOfTwoChoices</c> and <c>RoundRobin</c> policies, all over the same base instances.
/// </summary>
/// <remarks>
/// The service has <see cref="Instances"/> base instances and, for each of <see cref="Lanes"/> lanes, a tenth as many
/// (at least one). Lanes' pick is the one a request makes: the lane's partition (or base), with passive health on
/// (every candidate's ejection state read at the current timestamp) and the fallback policy applied. The other pickers
/// choose among the base instances, as they would for a service without lanes; YARP's are taken from its own
/// registrations (<c>AddReverseProxy()</c>), as a YARP gateway runs them.
/// </remarks>
[MemoryDiagnoser]
public class SelectionBenchmark
{
    private LaneIndex _index = null!;
    private Lane _lane;
    private Func<object?, ServiceEndpoint> _discovery = null!;
    private ILoadBalancingPolicy _powerOfTwo = null!;
    private ILoadBalancingPolicy _roundRobin = null!;
    private ClusterState _cluster = null!;
    private DestinationState[] _destinations = null!;
    private readonly DefaultHttpContext _context = new();
    private ServiceProvider _yarp = null!;

    [Params(2, 100, 1_000, 10_000)]
    public int Instances { get; set; }

    [Params(1, 10)]
    public int Lanes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var port = 10_000;
        var baseEndpoints = new List<ServiceEndpoint>();
        for (var i = 0; i < Instances; i++)
        {
            baseEndpoints.Add(new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port++), Lane.Base, 1).ToServiceEndpoint());
        }

        var all = new List<ServiceEndpoint>(baseEndpoints);
        for (var lane = 0; lane < Lanes; lane++)
        {
            for (var i = 0; i < Math.Max(1, Instances / 10); i++)
            {
                all.Add(new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port++), Lane.Parse($"lane-{lane}"), 1).ToServiceEndpoint());
            }
        }

        _index = LaneIndex.Build(all);
        _lane = Lane.Parse($"lane-{Lanes - 1}");

        // ME.SD's selector is internal: its resolving handler's own instance, bound as a delegate (no reflection per call).
        var selectorType = typeof(ServiceEndpointResolver).Assembly.GetType("Microsoft.Extensions.ServiceDiscovery.LoadBalancing.RoundRobinServiceEndpointSelector", throwOnError: true)!;
        var selector = Activator.CreateInstance(selectorType)!;
        selectorType.GetMethod("SetEndpoints")!.Invoke(selector, [new ServiceEndpointSource(baseEndpoints, new CancellationChangeToken(CancellationToken.None), new Microsoft.AspNetCore.Http.Features.FeatureCollection())]);
        _discovery = selectorType.GetMethod("GetEndpoint")!.CreateDelegate<Func<object?, ServiceEndpoint>>(selector);

        var services = new ServiceCollection().AddLogging();
        services.AddReverseProxy();
        _yarp = services.BuildServiceProvider();
        var policies = _yarp.GetServices<ILoadBalancingPolicy>().ToDictionary(p => p.Name);
        _powerOfTwo = policies[LoadBalancingPolicies.PowerOfTwoChoices];
        _roundRobin = policies[LoadBalancingPolicies.RoundRobin];
        _cluster = new ClusterState("orders");
        _destinations = baseEndpoints.Select((e, i) => new DestinationState($"d{i}")).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _yarp.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "ME.SD round robin")]
    public object Discovery() => _discovery(null);

    [Benchmark(Description = "YARP PowerOfTwoChoices")]
    public object? YarpPowerOfTwoChoices() => _powerOfTwo.PickDestination(_context, _cluster, _destinations);

    [Benchmark(Description = "YARP RoundRobin")]
    public object? YarpRoundRobin() => _roundRobin.PickDestination(_context, _cluster, _destinations);

    [Benchmark(Description = "Lanes, base request")]
    public object? LanesBase() => _index.Pick(Lane.Base, LaneFallback.Loose, Environment.TickCount64, default, out _, out _);

    [Benchmark(Description = "Lanes, lane request")]
    public object? LanesLane() => _index.Pick(_lane, LaneFallback.Loose, Environment.TickCount64, default, out _, out _);
}
