using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;
using Xunit.Abstractions;

namespace Lanes.Kubernetes.Tests.EndToEnd;

/// <summary>
/// samples/kubernetes applied to the emulator (RBAC enforced), every pod a real sample process on its own loopback
/// address, no registry: the chain finds its instances and their lanes from EndpointSlices and pod labels alone.
/// </summary>
[Collection(SampleProcessesCollection.Name)]
public sealed partial class SampleChainTests(ITestOutputHelper output)
{
    /// <summary>
    /// How soon a canary must be routable after its EndpointSlice update: far below the 30 s resync, so only the watch
    /// can meet it. Not a latency target (well under a second on a quiet machine, and printed): a loaded 2-core CI
    /// machine once took 2.4 s, and a one-second assertion then timed the machine rather than Lanes.
    /// </summary>
    internal static readonly TimeSpan WatchBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Manifests_RouteBaseAndGray_CanariesAreRoutableAsTheWatchDeliversThem_ATerminatingCanaryGetsNoNewRequests()
    {
        await using var cluster = await SampleCluster.StartAsync();

        // No canary yet: both lanes answer from base pods; gray falls back with its tag kept.
        AssertChain(cluster, (await cluster.AskAsync(gray: false)).Body, "A", "B", "C");
        AssertChain(cluster, (await cluster.AskAsync(gray: true)).Body, "A", "B", "C");

        // Canaries as the rollout controller makes them, scaled up from zero.
        cluster.CreateGrayDeployment("sample-a", 0);
        cluster.CreateGrayDeployment("sample-c", 0, preStopSleepSeconds: 30);
        var a = await MeasureRoutableAsync(cluster, "sample-a", "Agray[", () => cluster.Scale("sample-a-gray", 1));
        var c = await MeasureRoutableAsync(cluster, "sample-c", "Cgray[", () => cluster.Scale("sample-c-gray", 1));
        output.WriteLine($"gray A routable {a.TotalMilliseconds:F0} ms after its EndpointSlice update (at the gateway); gray C {c.TotalMilliseconds:F0} ms (at B)");
        Assert.True(a < WatchBound, $"gray A became routable {a.TotalMilliseconds:F0} ms after its EndpointSlice update");
        Assert.True(c < WatchBound, $"gray C became routable {c.TotalMilliseconds:F0} ms after its EndpointSlice update");

        for (var i = 0; i < 10; i++)
        {
            AssertChain(cluster, (await cluster.AskAsync(gray: false)).Body, "A", "B", "C");
            AssertChain(cluster, (await cluster.AskAsync(gray: true)).Body, "Agray", "B", "Cgray");
        }

        // The canary of C scaled down: its pod terminates (a 30 s preStop sleep keeps the process serving meanwhile).
        var grayC = cluster.Pods("sample-c").Single(SampleCluster.IsGray);
        var grayCHop = SampleCluster.Hop("Cgray", grayC);
        long terminating = 0;
        void OnChanged(WatchEvent e)
        {
            if (e.Key.Type == ResourceType.EndpointSlices && EndpointOf(e.Object, SampleCluster.Name(grayC)) is { } endpoint
                && endpoint["conditions"]?["terminating"]?.GetValue<bool>() == true)
            {
                Interlocked.CompareExchange(ref terminating, Stopwatch.GetTimestamp(), 0);
            }
        }

        cluster.Store.Changed += OnChanged;
        ChainLoad load;
        await using (load = new ChainLoad(cluster))
        {
            cluster.Scale("sample-c-gray", 0);
            await Eventually.WaitAsync(
                () => Interlocked.Read(ref terminating) != 0 && load.Answers.Count(x => x.Gray && x.SentAt > Interlocked.Read(ref terminating) + Stopwatch.Frequency) >= 20,
                "gray requests sent over a second after gray C began terminating",
                TimeSpan.FromSeconds(60),
                cluster.Describe);
            await load.StopAsync();
        }

        cluster.Store.Changed -= OnChanged;
        var settled = terminating + Stopwatch.Frequency;
        var late = load.Answers.Where(x => x.Gray && x.SentAt > settled).ToList();
        output.WriteLine($"{load.Count} requests while gray C terminated; {load.Answers.Count(x => x.Gray && x.SentAt > terminating && x.Body.Contains(grayCHop, StringComparison.Ordinal))} gray requests reached it after its slice said terminating, none after {late.Count} later ones");
        Assert.True(load.Failures.Count == 0, string.Join(Environment.NewLine, load.Failures.Take(20)));
        Assert.All(late, x => Assert.DoesNotContain(grayCHop, x.Body, StringComparison.Ordinal));
        Assert.All(late, x => AssertChain(cluster, x.Body, "Agray", "B", "C"));

        // Not because it stopped answering: it still serves anyone who calls it directly.
        Assert.False(cluster.Runtime.Process(SampleCluster.Name(grayC))!.HasExited);
        using var direct = new HttpClient();
        Assert.StartsWith(grayCHop, await direct.GetStringAsync(new Uri($"http://{SampleCluster.Ip(grayC)}:8080/c")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Scales a canary up (or has the controller do it) and measures from the EndpointSlice update that lists a gray pod
    /// ready to the first gray request sent after it that reached the canary.
    /// </summary>
    internal static async Task<TimeSpan> MeasureRoutableAsync(SampleCluster cluster, string service, string hop, Action scaleUp, TimeSpan? timeout = null)
    {
        long listed = 0;
        void OnChanged(WatchEvent e)
        {
            if (Interlocked.Read(ref listed) == 0 && e.Key.Type == ResourceType.EndpointSlices
                && e.Object["metadata"]?["labels"]?["kubernetes.io/service-name"]?.GetValue<string>() == service
                && (e.Object["endpoints"] as JsonArray ?? []).Any(x => x?["conditions"]?["ready"]?.GetValue<bool>() == true
                    && cluster.Store.Get(new StoredObjectKey(ResourceType.Pods, SampleCluster.Ns, x["targetRef"]?["name"]?.GetValue<string>() ?? "")) is { } pod
                    && SampleCluster.IsGray(pod)))
            {
                Interlocked.CompareExchange(ref listed, Stopwatch.GetTimestamp(), 0);
            }
        }

        cluster.Store.Changed += OnChanged;
        try
        {
            // Several gray senders: the first request sent after the update is never far behind it.
            await using var load = new ChainLoad(cluster, workers: 6, pause: TimeSpan.FromMilliseconds(10));
            scaleUp();
            await Eventually.WaitAsync(
                () => Interlocked.Read(ref listed) != 0 && load.Answers.Any(x => x.Gray && x.Body.Contains(hop, StringComparison.Ordinal)),
                $"gray requests to reach the new {service} canary",
                timeout ?? TimeSpan.FromSeconds(90),
                cluster.Describe);
            await load.StopAsync();
            Assert.True(load.Failures.Count == 0, string.Join(Environment.NewLine, load.Failures.Take(20)));
            var first = load.Answers.Where(x => x.Gray && x.Body.Contains(hop, StringComparison.Ordinal)).Min(static x => x.SentAt);
            return first <= listed ? TimeSpan.Zero : Stopwatch.GetElapsedTime(listed, first);
        }
        finally
        {
            cluster.Store.Changed -= OnChanged;
        }
    }

    internal static void AssertChain(SampleCluster cluster, string body, string a, string b, string c)
    {
        var match = ChainPattern().Match(body);
        Assert.True(match.Success, $"not a chain answer: {body}");
        Assert.Equal((a, b, c), (match.Groups["a"].Value, match.Groups["b"].Value, match.Groups["c"].Value));
        AssertPod(cluster, "sample-a", a.EndsWith("gray", StringComparison.Ordinal), match.Groups["aip"].Value, body);
        AssertPod(cluster, "sample-b", b.EndsWith("gray", StringComparison.Ordinal), match.Groups["bip"].Value, body);
        AssertPod(cluster, "sample-c", c.EndsWith("gray", StringComparison.Ordinal), match.Groups["cip"].Value, body);
    }

    // Each hop answered from a pod of its Service in the lane it printed (pods that left since cannot be checked).
    private static void AssertPod(SampleCluster cluster, string app, bool gray, string ip, string body)
    {
        if (cluster.Pods(app).FirstOrDefault(p => SampleCluster.Ip(p) == ip) is { } pod)
        {
            Assert.True(SampleCluster.IsGray(pod) == gray, $"{ip} is a {(SampleCluster.IsGray(pod) ? "gray" : "base")} pod of {app}: {body}");
        }
    }

    private static JsonObject? EndpointOf(JsonObject slice, string pod) =>
        (slice["endpoints"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(x => x["targetRef"]?["name"]?.GetValue<string>() == pod);

    [GeneratedRegex(@"^(?<a>A(gray)?)\[(?<aip>[0-9.]+):8080\]\[config=base\] -> (?<b>B(gray)?)\[(?<bip>[0-9.]+):8080\] -> (?<c>C(gray)?)\[(?<cip>[0-9.]+):8080\]$")]
    private static partial Regex ChainPattern();
}
