using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>
/// Steady traffic through the gateway while a test disturbs the cluster: half the workers send base requests, half
/// gray ones. A failed request, or a base request that reached a gray instance, is a failure kept with its reason;
/// every answer is kept with its send time for the test to check against what the cluster held then.
/// Bounded in count and in time.
/// </summary>
internal sealed class ChainLoad : IAsyncDisposable
{
    private const int MaxRequests = 200_000;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<Answer> _answers = new();
    private int _count;

    public ChainLoad(SampleCluster cluster, int workers = 2, TimeSpan? pause = null, TimeSpan? limit = null)
    {
        _stop.CancelAfter(limit ?? TimeSpan.FromMinutes(3));
        var delay = pause ?? TimeSpan.FromMilliseconds(5);
        _workers = [.. Enumerable.Range(0, workers).Select(i => Task.Run(() => RunAsync(cluster, gray: i % 2 == 1, delay)))];
    }

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Every answer with the moment its request was sent.</summary>
    public IReadOnlyCollection<Answer> Answers => _answers;

    public async Task<ChainLoad> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return this;
    }

    private async Task RunAsync(SampleCluster cluster, bool gray, TimeSpan pause)
    {
        while (!_stop.IsCancellationRequested && Interlocked.Increment(ref _count) <= MaxRequests)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                var (status, body) = await cluster.AskAsync(gray, _stop.Token);
                _answers.Enqueue(new Answer(sent, gray, status, body));
                if (status != 200)
                {
                    _failures.Enqueue($"{(gray ? "gray" : "base")} request answered {status}: {body}");
                }
                else if (!gray && body.Contains("gray", StringComparison.Ordinal))
                {
                    _failures.Enqueue("a base request reached a gray instance: " + body);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _failures.Enqueue($"{(gray ? "gray" : "base")} request failed: {e.Message}");
            }

            try
            {
                await Task.Delay(pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    public sealed record Answer(long SentAt, bool Gray, int Status, string Body);
}
