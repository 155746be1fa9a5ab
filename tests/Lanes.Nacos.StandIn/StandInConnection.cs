using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Lanes.Nacos.StandIn.Protocol;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// A client connection after its <c>ConnectionSetupRequest</c>: the stream the server writes requests to, and the
/// responses it is waiting for (by request id).
/// </summary>
public sealed class StandInConnection
{
    private readonly IServerStreamWriter<Payload> _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Payload>> _pending = new(StringComparer.Ordinal);
    private long _nextRequestId;

    internal StandInConnection(string id, IServerStreamWriter<Payload> stream, string clientVersion, string? tenant, IReadOnlyDictionary<string, string> labels, CancellationToken closed)
    {
        Id = id;
        _stream = stream;
        ClientVersion = clientVersion;
        Tenant = tenant;
        Labels = labels;
        Closed = closed;
    }

    public string Id { get; }

    public string ClientVersion { get; }

    public string? Tenant { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    internal CancellationToken Closed { get; }

    internal HashSet<string> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes a payload on the connection's stream.</summary>
    public async Task WriteAsync(Payload payload)
    {
        await _writeLock.WaitAsync(Closed).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(payload, Closed).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends a server request and waits (bounded) for the client's response; null when none came.</summary>
    internal async Task<Payload?> RequestAsync(string type, System.Text.Json.Nodes.JsonObject body, TimeSpan timeout)
    {
        var requestId = "s-" + Interlocked.Increment(ref _nextRequestId).ToString(CultureInfo.InvariantCulture);
        body["requestId"] = requestId;
        var answer = new TaskCompletionSource<Payload>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[requestId] = answer;
        try
        {
            await WriteAsync(Wire.Payload(type, body)).ConfigureAwait(false);
            return await answer.Task.WaitAsync(timeout, Closed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException or IOException)
        {
            return null;
        }
        finally
        {
            _pending.TryRemove(requestId, out _);
        }
    }

    internal bool Complete(string? requestId, Payload response) =>
        requestId is not null && _pending.TryRemove(requestId, out var waiting) && waiting.TrySetResult(response);
}
