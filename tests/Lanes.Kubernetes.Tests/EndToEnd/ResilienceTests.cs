using System.Diagnostics;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.RolloutController.Tests.TestSupport;
using Xunit.Abstractions;

namespace Lanes.Kubernetes.Tests.EndToEnd;

/// <summary>The chain under steady load while its watches are dropped, expire (410) and lose the API server for 30 s.</summary>
[Collection(SampleProcessesCollection.Name)]
public sealed class ResilienceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WatchDrop_Expiry_AndA30sApiOutage_UnderLoad_FailNoRequest()
    {
        await using var cluster = await SampleCluster.StartAsync();
        cluster.CreateGrayDeployment("sample-a", 1);
        cluster.CreateGrayDeployment("sample-c", 1);
        await cluster.WaitForReadyPodsAsync("sample-a", 1, SampleCluster.IsGray);
        await cluster.WaitForReadyPodsAsync("sample-c", 1, SampleCluster.IsGray);
        await Eventually.WaitAsync(() => IsFullGray(cluster.AskAsync(gray: true).GetAwaiter().GetResult().Body), "gray requests to take the gray pods", TimeSpan.FromSeconds(60), cluster.Describe);

        ChainLoad load;
        long outageStarted, outageEnded;
        string newB;
        await using (load = new ChainLoad(cluster))
        {
            await RunAsync(load, 100);

            // A watch drop (an API server restart, a load balancer's idle timeout): every watch resumes.
            // Watches start with the first call into a namespace: the gateway, A and B watch (2 each); C calls nobody.
            Assert.Equal(2 * (1 + 3 + 2), cluster.Store.DropWatches());
            await RunAsync(load, 100);

            // Expiry: the history the watches would resume from is gone, so each gets 410 Gone and relists.
            cluster.Store.CompactHistory();
            cluster.Store.DropWatches();
            await RunAsync(load, 100);

            // The API server unreachable for 30 s, while B gains a pod that nobody can learn about until it is back.
            var bPods = cluster.Pods("sample-b").Select(SampleCluster.Name).ToHashSet();
            outageStarted = Stopwatch.GetTimestamp();
            cluster.Emulator.Unavailable = true;
            cluster.Scale("sample-b", 3);
            await cluster.WaitForReadyPodsAsync("sample-b", 3);
            newB = SampleCluster.Hop("B", cluster.Pods("sample-b").Single(p => !bPods.Contains(SampleCluster.Name(p))));
            var rest = s_outage - Stopwatch.GetElapsedTime(outageStarted);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest);   // the outage is the scenario: 30 s of traffic on the last known endpoints
            }

            cluster.Emulator.Unavailable = false;
            outageEnded = Stopwatch.GetTimestamp();

            // Back: the pod added during the outage gets traffic.
            await Eventually.WaitAsync(() => load.Answers.Any(x => x.SentAt > outageEnded && x.Body.Contains(newB, StringComparison.Ordinal)), "traffic to the B pod added during the outage", TimeSpan.FromSeconds(60), cluster.Describe);
            await load.StopAsync();
        }

        var during = load.Answers.Where(x => x.SentAt > outageStarted && x.SentAt < outageEnded).ToList();
        output.WriteLine($"{load.Count} requests in all, {during.Count} during the {s_outage.TotalSeconds:F0} s outage, {load.Failures.Count} failed");
        Assert.True(load.Failures.Count == 0, string.Join(Environment.NewLine, load.Failures.Take(20)));
        Assert.True(during.Count >= 20, $"only {during.Count} requests ran during the outage");
        Assert.All(during.Where(static x => x.Gray), static x => Assert.True(IsFullGray(x.Body), "a gray request left the lane during the outage: " + x.Body));
        Assert.DoesNotContain(during, x => x.Body.Contains(newB, StringComparison.Ordinal));
    }

    private static bool IsFullGray(string body) => body.StartsWith("Agray[", StringComparison.Ordinal) && body.Contains("-> Cgray[", StringComparison.Ordinal);

    private static Task RunAsync(ChainLoad load, int requests)
    {
        var target = load.Count + requests;
        return Eventually.WaitAsync(() => load.Count >= target, $"{requests} more requests", TimeSpan.FromSeconds(120));
    }
}
