using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lanes.Nacos.StandIn;
using Lanes.Samples.Gateway;
using Microsoft.AspNetCore.Builder;

namespace Lanes.Samples.Tests;

/// <summary>
/// The sample chain with every service a process of its own, registered in (and discovering through) a Nacos stand-in
/// over gRPC; the gateway runs in the test process and only discovers. The route header is on everywhere, so each
/// answer tells which instance every hop went to and why.
/// </summary>
internal sealed partial class NacosProcessChain : IAsyncDisposable
{
    /// <summary>How often a service polls Nacos besides the pushes: the longest a change can take to be seen if a push is lost.</summary>
    public static readonly TimeSpan RefreshWindow = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly NacosStandIn _nacos;
    private readonly string? _failoverCache;
    private readonly List<ChainInstance> _instances = [];
    private WebApplication? _gateway;
    private HttpClient _client = null!;

    private NacosProcessChain(NacosStandIn nacos, string? failoverCache)
    {
        _nacos = nacos;
        _failoverCache = failoverCache;
    }

    public IReadOnlyList<ChainInstance> Instances => _instances;

    public ChainInstance this[string label] => _instances.Single(i => i.Label == label);

    /// <summary>Starts <paramref name="baseInstances"/> base instances of each of A, B and C, one gray A and one gray C, and the gateway.</summary>
    /// <param name="failoverCache">The failover cache directory all hosts share; <see langword="null"/> turns the cache off.</param>
    /// <param name="gatewayArgs">More configuration for the gateway (entry rules, say).</param>
    public static async Task<NacosProcessChain> StartAsync(NacosStandIn nacos, int baseInstances, string? failoverCache, params string[] gatewayArgs)
    {
        var chain = new NacosProcessChain(nacos, failoverCache);
        try
        {
            foreach (var name in (string[])["C", "B", "A"])
            {
                for (var i = 1; i <= baseInstances; i++)
                {
                    chain.Add(name, gray: false, $"{name}{i}");
                }

                if (name != "B")
                {
                    chain.Add(name, gray: true, $"{name}gray");
                }
            }

            await Task.WhenAll(chain._instances.Select(i => chain.StartInstanceAsync(i)));
            string[] args = [.. NacosArguments(nacos.Address, failoverCache), "--urls", "http://127.0.0.1:0", "--contentRoot", AppContext.BaseDirectory, .. gatewayArgs];
            chain._gateway = SampleGateway.CreateApp(args);
            await chain._gateway.StartAsync();
            chain._client = new HttpClient { BaseAddress = new Uri(chain._gateway.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            return chain;
        }
        catch
        {
            await chain.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds an instance (not started) of service A, B or C.</summary>
    public ChainInstance Add(string name, bool gray, string label, params string[] extraArgs)
    {
        var service = "sample-" + name.ToLowerInvariant();
        var next = name switch { "A" => "http://sample-b/b", "B" => "http://sample-c/c", _ => null };
        var nacos = _nacos.Address;
        var failoverCache = _failoverCache;
        var process = new SampleProcess(label, port =>
        {
            List<string> args =
            [
                "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--Sample:Name=" + name,
                "--Lanes:Lane=" + (gray ? "gray" : string.Empty),
                "--Lanes:Nacos:Registration:ServiceName=" + service,
                .. NacosArguments(nacos, failoverCache),
                .. extraArgs,
            ];
            if (next is not null)
            {
                args.Add("--Sample:Next=" + next);
            }

            return args;
        });
        var instance = new ChainInstance(label, name, service, gray, process);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Starts (or starts again) an instance and waits until it serves.</summary>
    public Task StartInstanceAsync(ChainInstance instance) => instance.Process.StartAsync(s_startTimeout);

    /// <summary>Waits until the registry lists the instance, and returns when it was first seen there.</summary>
    public async Task<long> WaitRegisteredAsync(ChainInstance instance, TimeSpan timeout)
    {
        try
        {
            await Eventually(() => IsRegistered(instance), $"{instance.Label} (port {instance.Process.Port}) registered in Nacos", timeout);
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            // What the instance said decides between a slow machine and a registration that failed.
            throw new Xunit.Sdk.XunitException(
                $"{ex.Message}\n{instance.Label} is {(instance.Process.Running ? "running" : "not running")}; its recent output:\n{instance.Process.RecentOutput()}");
        }

        return Stopwatch.GetTimestamp();
    }

    public bool IsRegistered(ChainInstance instance) => _nacos.Instances(instance.Service).Any(i => i.Port == instance.Process.Port);

    /// <summary>Waits until base and gray requests take their full paths (every service discovered its next hop's instances).</summary>
    public async Task WaitRoutedAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var baseCall = await CallAsync(ChainRequest.Base);
            var grayCall = await CallAsync(ChainRequest.Gray);
            if (baseCall.Ok && grayCall.Ok && grayCall.Hops is [{ Gray: true }, _, { Gray: true }] && baseCall.Hops is [{ Gray: false }, _, { Gray: false }])
            {
                return;
            }

            Assert.True(clock.Elapsed < timeout, $"base and gray did not route within {timeout}: {baseCall} / {grayCall}");
            await Task.Delay(100);
        }
    }

    /// <summary>One request through the gateway.</summary>
    public Task<ChainCall> CallAsync(ChainRequest request) => CallAsync(_client, new Uri("/a", UriKind.Relative), request);

    /// <summary>One request straight to an instance of A (a lane request carries <c>x-mse-tag</c>, as from a trusted hop).</summary>
    public async Task<ChainCall> CallInstanceAsync(ChainInstance instance, bool gray)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await CallAsync(client, new Uri($"http://127.0.0.1:{instance.Process.Port}/a"), gray ? ChainRequest.TaggedGray : ChainRequest.Base);
    }

    private static async Task<ChainCall> CallAsync(HttpClient client, Uri uri, ChainRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        switch (request.Kind)
        {
            case ChainRequestKind.Gray:
                message.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");
                break;
            case ChainRequestKind.TaggedGray:
                message.Headers.TryAddWithoutValidation("x-mse-tag", "gray");
                break;
            case ChainRequestKind.Percent:
                message.Headers.TryAddWithoutValidation("x-pool", "percent");
                message.Headers.TryAddWithoutValidation("x-user-id", request.User);
                break;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            var route = response.Headers.TryGetValues("lanes-route", out var values) ? string.Join(", ", values) : string.Empty;
            return new ChainCall(request, started, Stopwatch.GetTimestamp(), response.StatusCode, body, route);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new ChainCall(request, started, Stopwatch.GetTimestamp(), 0, ex.Message, string.Empty);
        }
    }

    /// <summary>Every host uses Nacos over gRPC (chosen outright: Auto may settle on HTTP on a loaded machine).</summary>
    private static IEnumerable<string> NacosArguments(string address, string? failoverCache) =>
    [
        "--Lanes:Nacos:ServerAddresses:0=" + address,
        "--Lanes:Nacos:Transport=Grpc",
        "--Lanes:Nacos:Registration:Ip=127.0.0.1",
        "--Lanes:Nacos:Grpc:ConnectTimeout=00:00:10",
        "--Lanes:Nacos:MaxRefreshInterval=" + RefreshWindow.ToString("c", CultureInfo.InvariantCulture),
        .. failoverCache is null
            ? (string[])["--Lanes:Nacos:FailoverCacheEnabled=false"]
            : ["--Lanes:Nacos:FailoverCacheDirectory=" + failoverCache],
        "--Lanes:PodLabelsPath=/nonexistent/labels",
        "--Lanes:Routing:RouteHeader=true",
        "--Logging:LogLevel:Default=Warning",
    ];

    public static async Task Eventually(Func<bool> condition, string because, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"not within {timeout}: {because}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await Task.WhenAll(_instances.Select(i => i.Process.DisposeAsync().AsTask()));
    }
}

/// <summary>One instance of the chain: A, B or C, base or gray.</summary>
internal sealed record ChainInstance(string Label, string Name, string Service, bool Gray, SampleProcess Process);

internal enum ChainRequestKind
{
    Base,
    Gray,
    TaggedGray,
    Percent,
}

/// <summary>What a request carries: nothing (base), <c>User-Agent: xiaoming</c> (gray), or a user id in the percentage pool.</summary>
internal sealed record ChainRequest(ChainRequestKind Kind, string? User = null)
{
    public static readonly ChainRequest Base = new(ChainRequestKind.Base);
    public static readonly ChainRequest Gray = new(ChainRequestKind.Gray);
    public static readonly ChainRequest TaggedGray = new(ChainRequestKind.TaggedGray);
}

/// <summary>One hop of an answer's path: <c>Agray[127.0.0.1:18082]</c>.</summary>
internal sealed record PathHop(string Name, bool Gray, int Port);

/// <summary>One routing decision from the route header: <c>sample-a=gray@http://127.0.0.1:18082 (lane_matched)</c>.</summary>
internal sealed record RouteEntry(string Service, string InstanceLane, int Port, string Reason)
{
    public bool LaneReason => Reason is "lane_matched" or "fallback_no_lane_instance" or "fallback_lane_unhealthy";
}

/// <summary>A request and its answer, with when it was sent and answered (<see cref="Stopwatch"/> timestamps).</summary>
internal sealed partial record ChainCall(ChainRequest Request, long Started, long Ended, HttpStatusCode Status, string Body, string Route)
{
    public bool Ok => Status == HttpStatusCode.OK;

    /// <summary>The path the answer reports, hop by hop; empty when it is not a path.</summary>
    public IReadOnlyList<PathHop> Hops => Ok
        ? [.. Body.Split(" -> ").Select(h => HopPattern().Match(h)).TakeWhile(m => m.Success)
            .Select(m => new PathHop(m.Groups["name"].Value, m.Groups["gray"].Success, int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture)))]
        : [];

    /// <summary>The route header's entries in call order (a hop whose first instance could not be reached has two).</summary>
    public IReadOnlyList<RouteEntry> RouteEntries =>
        [.. RoutePattern().Matches(Route).Select(m => new RouteEntry(m.Groups["service"].Value, m.Groups["lane"].Value, int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture), m.Groups["reason"].Value))];

    public override string ToString() => $"{Request.Kind}{(Request.User is null ? string.Empty : " " + Request.User)}: {(int)Status} '{Body}' route '{Route}'";

    [GeneratedRegex(@"^(?<name>[ABC])(?<gray>gray)?\[127\.0\.0\.1:(?<port>\d+)\]$")]
    private static partial Regex HopPattern();

    [GeneratedRegex(@"(?<service>sample-[abc])=(?<lane>[^@,]+)@(?:http://)?127\.0\.0\.1:(?<port>\d+)/? \((?<reason>[a-z_]+)\)")]
    private static partial Regex RoutePattern();
}
