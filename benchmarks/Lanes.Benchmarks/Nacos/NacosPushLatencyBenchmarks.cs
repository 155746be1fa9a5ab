using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Lanes.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Lanes.Nacos.Subscriptions;

namespace Lanes.Benchmarks.Nacos;

/// <summary>
/// Change to routable with push: a real UDP push packet (as Nacos's UdpPushService sends it) moves the gray
/// instance of a service; the operation ends when lane-aware routing picks the new instance. It covers the
/// UDP receive, the ack, parsing, the change token, Microsoft.Extensions.ServiceDiscovery's refresh and the
/// lane index rebuild. No Nacos server is involved: the first list comes from the failover cache.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class NacosPushLatencyBenchmarks
{
    private const int Instances = 50;
    private readonly Lane _gray = Lane.Parse("gray");
    private ServiceProvider _services = null!;
    private LaneRouter _router = null!;
    private UdpClient _nacos = null!;
    private IPEndPoint _receiver = null!;
    private byte[][] _packets = null!;
    private string _cacheDirectory = null!;
    private int _next;

    /// <summary>Starts discovery against an unreachable server with a seeded failover cache.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _cacheDirectory = Path.Combine(Path.GetTempPath(), "lanes-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_cacheDirectory);
        await File.WriteAllBytesAsync(Path.Combine(_cacheDirectory, Uri.EscapeDataString("DEFAULT_GROUP@@orders") + ".json"), List(variant: 0));

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var deadPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var config = new Dictionary<string, string?>
        {
            ["Lanes:Nacos:ServerAddresses:0"] = $"http://127.0.0.1:{deadPort}",
            ["Lanes:Nacos:Transport"] = "V1",
            ["Lanes:Nacos:MaxRetries"] = "0",
            ["Lanes:Nacos:RequestTimeout"] = "00:00:00.200",
            ["Lanes:Nacos:MinRefreshInterval"] = "00:00:30",
            ["Lanes:Nacos:MaxRefreshInterval"] = "00:01:00",
            ["Lanes:Nacos:FailoverCacheDirectory"] = _cacheDirectory,
            ["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1",
            ["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1",
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
            throw new InvalidOperationException("The failover cache did not seed the list.");
        }

        _receiver = new IPEndPoint(IPAddress.Loopback, _services.GetRequiredService<NacosPushReceiver>().Port);
        _nacos = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        _packets = [Packet(List(variant: 0)), Packet(List(variant: 1))];
    }

    /// <summary>One push, then requests until routing sends gray traffic to the moved instance.</summary>
    [Benchmark]
    public async Task<int> PushToRoutable()
    {
        var variant = ++_next & 1;
        var expected = 9000 + variant;
        await _nacos.SendAsync(_packets[variant], _receiver);
        for (var i = 0; i < 1_000_000; i++)
        {
            var selection = await _router.SelectAsync("orders", _gray, default(TriedTargets), CancellationToken.None);
            if (Port(selection) == expected)
            {
                // The ack, bounded: a lost datagram must not hang the run.
                using var ackTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                _ = await _nacos.ReceiveAsync(ackTimeout.Token);
                return i;
            }

            await Task.Yield();
        }

        throw new InvalidOperationException("The push never became routable.");
    }

    /// <summary>Stops discovery.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _nacos.Dispose();
        await _services.DisposeAsync();
        Directory.Delete(_cacheDirectory, recursive: true);
    }

    private static int Port(RouteSelection selection) => ((IPEndPoint)selection.Target.Endpoint.EndPoint).Port;

    // The gray instance listens on 9000 + variant; lastRefTime 0 so no push is ever taken for a stale one.
    private static byte[] List(int variant)
    {
        var builder = new StringBuilder("""{"name":"DEFAULT_GROUP@@orders","groupName":"DEFAULT_GROUP","cacheMillis":10000,"hosts":[""");
        for (var i = 0; i < Instances; i++)
        {
            var gray = i == 0;
            var metadata = gray ? "{\"opensergo.io/canary-gray\":\"gray\"}" : "{\"opensergo.io/canary\":\"\"}";
            builder.Append(i == 0 ? string.Empty : ",")
                .Append($$"""{"ip":"10.0.0.{{i + 1}}","port":{{(gray ? 9000 + variant : 8080)}},"weight":1.0,"healthy":true,"enabled":true,"metadata":{{metadata}}}""");
        }

        builder.Append("""],"lastRefTime":0,"checksum":""}""");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static byte[] Packet(byte[] serviceInfo) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = "dom", ["data"] = Encoding.UTF8.GetString(serviceInfo), ["lastRefTime"] = 1L });
}
