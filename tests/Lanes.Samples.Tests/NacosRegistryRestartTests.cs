using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lanes.Nacos.StandIn;
using Lanes.Samples.Gateway;
using Lanes.Samples.Service;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Lanes.Samples.Tests;

/// <summary>
/// The sample chain (gateway, A, A-gray, B, C, C-gray) registering with and discovering through a Nacos over gRPC,
/// while the registry restarts and comes back empty: every instance registers again, every subscription is renewed,
/// and not one request fails or leaves its lane.
/// </summary>
public sealed class NacosRegistryRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RegistryRestartsEmpty_UnderLoad_ZeroFailedOrMisroutedRequests()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        await using var chain = await NacosSampleChain.StartAsync(nacos.Address);
        await chain.WaitRoutedAsync();

        var outcomes = new ConcurrentBag<(bool Gray, HttpStatusCode Status, string Body)>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; !stop.IsCancellationRequested && i < 20_000 && clock.Elapsed < TimeSpan.FromSeconds(90); i++)
            {
                var gray = (i + worker) % 2 == 0;
                outcomes.Add(await chain.CallAsync(gray));
            }
        })).ToArray();

        await Eventually(() => outcomes.Count >= 100, "load is flowing", TimeSpan.FromSeconds(30));
        var beforeRestart = outcomes.Count;

        // Clients come back at different times: base C registers again only 3 s after the others, so the lists
        // answered meanwhile lack it (the registry is empty, then half-filled).
        nacos.RegistrationDelay = (service, instance) =>
            service == "sample-c" && instance.Metadata.ContainsKey("opensergo.io/canary") ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
        await nacos.RestartEmptyAsync(TimeSpan.FromSeconds(2));

        await Eventually(
            () => nacos.Instances("sample-a").Count == 2 && nacos.Instances("sample-b").Count == 1 && nacos.Instances("sample-c").Count == 2,
            "all five instances registered again",
            TimeSpan.FromSeconds(30));
        await Eventually(
            () => nacos.Subscribers("sample-a") >= 1 && nacos.Subscribers("sample-b") >= 2 && nacos.Subscribers("sample-c") >= 1,
            "the gateway, A, A-gray and B subscribed again",
            TimeSpan.FromSeconds(30));

        // A while longer on the refilled registry, then stop.
        var afterRecovery = outcomes.Count;
        await Eventually(() => outcomes.Count >= afterRecovery + 200, "load goes on after the restart", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var failed = outcomes.Where(o => o.Status != HttpStatusCode.OK).ToList();
        var misrouted = outcomes.Where(o => o.Status == HttpStatusCode.OK && o.Body != (o.Gray ? chain.ExpectedGray : chain.ExpectedBase)).ToList();
        output.WriteLine($"requests {outcomes.Count} ({beforeRestart} before the restart), failed {failed.Count}, misrouted {misrouted.Count}");
        Assert.True(failed.Count == 0, $"{failed.Count} failed, e.g. {failed.FirstOrDefault()}");
        Assert.True(misrouted.Count == 0, $"{misrouted.Count} misrouted, e.g. {misrouted.FirstOrDefault()}");
    }

    /// <summary>
    /// The registry stops for 30 s under load, with every service a process of its own: routing goes on from the last
    /// lists. A service started meanwhile (a cold start) finds its next hop in the failover cache the others wrote. The
    /// registry comes back empty: every instance registers again within one heartbeat interval, the cold one included,
    /// and no request fails or leaves its lane at any point.
    /// </summary>
    [Fact]
    public async Task RegistryStops30sThenComesBackEmpty_UnderLoad_ZeroFailedOrMisrouted_AndAColdStartUsesTheFailoverCache()
    {
        var downtime = TimeSpan.FromSeconds(30);
        var heartbeat = new Lanes.Nacos.NacosRegistrationOptions().HeartbeatInterval;
        var failoverCache = Directory.CreateTempSubdirectory("lanes-nacos-failover-");
        try
        {
            await using var nacos = await NacosStandIn.StartAsync();
            await using var chain = await NacosProcessChain.StartAsync(nacos, baseInstances: 1, failoverCache.FullName);
            foreach (var instance in chain.Instances)
            {
                await chain.WaitRegisteredAsync(instance, TimeSpan.FromSeconds(60));
            }

            await chain.WaitRoutedAsync(TimeSpan.FromSeconds(60));

            // Phases: 0 registry up, 1 registry down, 2 back empty until every instance registered again, 3 refilled.
            var phase = 0;
            var calls = new ConcurrentQueue<(int Phase, ChainCall Call)>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; !stop.IsCancellationRequested && i < 20_000 && clock.Elapsed < TimeSpan.FromSeconds(150); i++)
                {
                    var current = Volatile.Read(ref phase);
                    calls.Enqueue((current, await chain.CallAsync((i + worker) % 2 == 0 ? ChainRequest.Gray : ChainRequest.Base)));
                }
            })).ToArray();

            var coldCalls = new List<ChainCall>();
            TimeSpan reregistered;
            TimeSpan wasDown;
            ChainInstance cold;
            try
            {
                await Eventually(() => calls.Count >= 100, "load is flowing", TimeSpan.FromSeconds(60));

                Volatile.Write(ref phase, 1);
                await nacos.StopAsync();
                var down = Stopwatch.StartNew();

                // A cold start while no registry answers: A's new instance knows B only from the failover cache.
                cold = chain.Add("A", gray: false, "A-cold", "--Logging:LogLevel:Lanes.Nacos.Subscriptions=Information");
                await chain.StartInstanceAsync(cold);
                for (var i = 0; i < 40; i++)
                {
                    coldCalls.Add(await chain.CallInstanceAsync(cold, gray: i % 2 == 1));
                }

                // At least 30 s down (longer only if a loaded machine made the cold start slower than that).
                if (down.Elapsed < downtime)
                {
                    await Task.Delay(downtime - down.Elapsed);
                }

                wasDown = down.Elapsed;
                Volatile.Write(ref phase, 2);
                await nacos.StartAgainAsync();
                var back = Stopwatch.StartNew();
                await Eventually(() => chain.Instances.All(chain.IsRegistered), "every instance registered again", TimeSpan.FromSeconds(60));
                reregistered = back.Elapsed;

                Volatile.Write(ref phase, 3);
                var refilled = calls.Count;
                await Eventually(() => calls.Count >= refilled + 200, "load goes on after the registry refilled", TimeSpan.FromSeconds(60));
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(load);
            }

            string[] names = ["registry up", $"registry down {wasDown.TotalSeconds:F1} s", "back empty, re-registering", "refilled"];
            var failedTotal = 0;
            var misroutedTotal = 0;
            for (var p = 0; p < names.Length; p++)
            {
                var inPhase = calls.Where(c => c.Phase == p).Select(c => c.Call).ToList();
                var failed = inPhase.Where(c => !c.Ok).ToList();
                var misrouted = inPhase.Where(c => c.Ok && !Routed(c, cold: null)).ToList();
                output.WriteLine($"{names[p]}: requests {inPhase.Count}, failed {failed.Count}, misrouted {misrouted.Count}{Example(failed.Concat(misrouted))}");
                failedTotal += failed.Count;
                misroutedTotal += misrouted.Count;
            }

            var coldFailed = coldCalls.Count(c => !c.Ok);
            var coldMisrouted = coldCalls.Count(c => c.Ok && !Routed(c, cold));
            output.WriteLine($"cold start while down (A-cold, port {cold.Process.Port}): requests {coldCalls.Count}, failed {coldFailed}, misrouted {coldMisrouted}{Example(coldCalls.Where(c => !c.Ok || !Routed(c, cold)))}");
            output.WriteLine($"every instance registered again {reregistered.TotalSeconds:F1} s after the registry came back (heartbeat interval {heartbeat.TotalSeconds} s)");

            Assert.Equal(0, failedTotal);
            Assert.Equal(0, misroutedTotal);
            Assert.Equal(0, coldFailed);
            Assert.Equal(0, coldMisrouted);
            Assert.Contains("'DEFAULT_GROUP@@sample-b'; starting from the 1 instances of the failover cache", cold.Process.RecentOutput(), StringComparison.Ordinal);
            Assert.True(reregistered <= heartbeat, $"every instance registered again only {reregistered} after the registry came back; the heartbeat interval is {heartbeat}");
        }
        finally
        {
            failoverCache.Delete(recursive: true);
        }
    }

    // Base on base instances only and gray on gray A and C (each service has one gray instance, never stopped here);
    // a request sent straight to the cold-started (base) A starts there and keeps its lane from B on.
    private static bool Routed(ChainCall call, ChainInstance? cold)
    {
        var gray = call.Request.Kind != ChainRequestKind.Base;
        var hops = call.Hops;
        return hops.Count == 3
            && (cold is null ? hops[0].Gray == gray : hops[0].Port == cold.Process.Port && !hops[0].Gray)
            && !hops[1].Gray && hops[2].Gray == gray
            && call.RouteEntries.All(e => e.LaneReason == gray);
    }

    private static string Example(IEnumerable<ChainCall> calls) => calls.FirstOrDefault() is { } call ? $", e.g. {call}" : string.Empty;

    private static async Task Eventually(Func<bool> condition, string because, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < timeout, because);
            await Task.Delay(20);
        }
    }

    /// <summary>The sample hosts in this process, each on a free port, registered in Nacos (the gateway only discovers).</summary>
    private sealed class NacosSampleChain : IAsyncDisposable
    {
        private readonly List<WebApplication> _apps = [];
        private readonly Dictionary<string, int> _ports = [];
        private HttpClient _gateway = null!;

        public string ExpectedBase => $"A[127.0.0.1:{_ports["A"]}][config=base] -> B[127.0.0.1:{_ports["B"]}] -> C[127.0.0.1:{_ports["C"]}]";

        public string ExpectedGray => $"Agray[127.0.0.1:{_ports["Agray"]}][config=base] -> B[127.0.0.1:{_ports["B"]}] -> Cgray[127.0.0.1:{_ports["Cgray"]}]";

        public static async Task<NacosSampleChain> StartAsync(string nacos)
        {
            var chain = new NacosSampleChain();
            await chain.StartServiceAsync(nacos, "C", "sample-c", lane: null, next: null);
            await chain.StartServiceAsync(nacos, "C", "sample-c", lane: "gray", next: null);
            await chain.StartServiceAsync(nacos, "B", "sample-b", lane: null, next: "http://sample-c/c");
            await chain.StartServiceAsync(nacos, "A", "sample-a", lane: null, next: "http://sample-b/b");
            await chain.StartServiceAsync(nacos, "A", "sample-a", lane: "gray", next: "http://sample-b/b");
            var gateway = SampleGateway.CreateApp([.. Nacos(nacos), "--urls", "http://127.0.0.1:0", "--contentRoot", AppContext.BaseDirectory]);
            await gateway.StartAsync();
            chain._apps.Add(gateway);
            chain._gateway = new HttpClient { BaseAddress = new Uri(gateway.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            return chain;
        }

        public async Task WaitRoutedAsync()
        {
            await Eventually(
                () => CallAsync(gray: false).GetAwaiter().GetResult().Body == ExpectedBase && CallAsync(gray: true).GetAwaiter().GetResult().Body == ExpectedGray,
                "base and gray answers route through Nacos",
                TimeSpan.FromSeconds(30));
        }

        public async Task<(bool Gray, HttpStatusCode Status, string Body)> CallAsync(bool gray)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
            if (gray)
            {
                request.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");
            }

            try
            {
                using var response = await _gateway.SendAsync(request);
                return (gray, response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException ex)
            {
                return (gray, 0, ex.Message);
            }
        }

        private async Task StartServiceAsync(string nacos, string name, string service, string? lane, string? next)
        {
            var port = FreePort();
            var args = new List<string>(Nacos(nacos))
            {
                "--urls", $"http://127.0.0.1:{port}",
                "--Sample:Name=" + name,
                "--Sample:ShowConfig=" + (name == "A" ? "true" : "false"),
                "--Lanes:Lane=" + lane,
                "--Lanes:Nacos:Registration:ServiceName=" + service,
            };
            if (next is not null)
            {
                args.Add("--Sample:Next=" + next);
            }

            var app = SampleService.CreateApp([.. args]);
            await app.StartAsync();
            _apps.Add(app);
            _ports[name + lane] = port;
        }

        private static string[] Nacos(string address) =>
        [
            "--Lanes:Nacos:ServerAddresses:0=" + address,
            "--Lanes:Nacos:Registration:Ip=127.0.0.1",
            "--Lanes:Nacos:FailoverCacheEnabled=false",
            "--Lanes:Nacos:Grpc:ConnectTimeout=00:00:10",
            "--Lanes:PodLabelsPath=/nonexistent/labels",
            "--Logging:LogLevel:Default=Warning",
        ];

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _gateway?.Dispose();
            for (var i = _apps.Count - 1; i >= 0; i--)
            {
                await _apps[i].DisposeAsync();
            }
        }
    }
}
