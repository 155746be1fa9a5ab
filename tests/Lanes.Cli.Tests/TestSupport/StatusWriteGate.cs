using System.Collections.Concurrent;
using System.Net;

namespace Lanes.Cli.Tests.TestSupport;

/// <summary>
/// Sits in the CLI's HTTP pipeline: holds its first write of the Rollout's status (after the CLI read the Rollout)
/// until the test lets it go, so another writer can write in between; records every status write's answer.
/// </summary>
internal sealed class StatusWriteGate(string rollout) : DelegatingHandler
{
    private readonly ConcurrentQueue<HttpStatusCode> _writes = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Released once the first status write is being held.</summary>
    public SemaphoreSlim Holding { get; } = new(0);

    public IReadOnlyList<HttpStatusCode> StatusWrites => [.. _writes];

    public void Release() => _released.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var isStatusWrite = request.Method != HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith($"/rollouts/{rollout}/status", StringComparison.Ordinal);
        if (isStatusWrite && Interlocked.Exchange(ref _held, 1) == 0)
        {
            Holding.Release();
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (isStatusWrite)
        {
            _writes.Enqueue(response.StatusCode);
        }

        return response;
    }
}
