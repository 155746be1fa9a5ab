using System.Collections.Concurrent;
using System.Net;

namespace Lanes.Tests.Routing;

/// <summary>
/// The end of a client pipeline standing in for instances by port: each call takes the port's next scripted
/// outcome (200 once the script runs out) and is recorded with the lane header it carried.
/// </summary>
internal sealed class ScriptedInstances : HttpMessageHandler
{
    private readonly ConcurrentQueue<(int Port, string? Lane)> _calls = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<Outcome>> _scripts = new();

    public int[] Ports => [.. _calls.Select(c => c.Port)];

    public string[] Lanes => [.. _calls.Select(c => c.Lane ?? "(none)")];

    /// <summary>Queues outcomes for the next calls to <paramref name="port"/>.</summary>
    public ScriptedInstances Then(int port, params Outcome[] outcomes)
    {
        var queue = _scripts.GetOrAdd(port, _ => new ConcurrentQueue<Outcome>());
        foreach (var outcome in outcomes)
        {
            queue.Enqueue(outcome);
        }

        return this;
    }

    /// <summary>Every call to <paramref name="port"/> gets <paramref name="outcome"/> (up to a bound).</summary>
    public ScriptedInstances Always(int port, Outcome outcome) => Then(port, [.. Enumerable.Repeat(outcome, 1000)]);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var port = request.RequestUri!.Port;
        _calls.Enqueue((port, request.Headers.TryGetValues("x-mse-tag", out var lane) ? lane.Single() : null));
        var outcome = _scripts.TryGetValue(port, out var queue) && queue.TryDequeue(out var next) ? next : Outcome.Ok;
        if (outcome.Delay is { } delay)
        {
            await Task.Delay(delay, cancellationToken);
        }

        if (outcome.Error is { } error)
        {
            throw new HttpRequestException(error, $"scripted {error} at 127.0.0.1:{port}");
        }

        var response = new HttpResponseMessage(outcome.Status) { RequestMessage = request };
        if (outcome.Refusal)
        {
            response.Headers.TryAddWithoutValidation("lanes-refusal", "downstream");
        }

        return response;
    }

    /// <summary>What one call to an instance does.</summary>
    internal sealed record Outcome(HttpStatusCode Status = HttpStatusCode.OK, HttpRequestError? Error = null, TimeSpan? Delay = null, bool Refusal = false)
    {
        public static Outcome Ok { get; } = new();

        /// <summary>Connection refused: nothing reached the instance.</summary>
        public static Outcome Refused { get; } = new(Error: HttpRequestError.ConnectionError);

        /// <summary>The instance dropped the connection before answering (killed mid-request).</summary>
        public static Outcome Dropped { get; } = new(Error: HttpRequestError.ResponseEnded);

        /// <summary>The request could not be sent (a header that is not ASCII): not the instance's fault.</summary>
        public static Outcome Unsendable { get; } = new(Error: HttpRequestError.Unknown);

        public static Outcome Answer(HttpStatusCode status) => new(status);

        public static Outcome Slow(TimeSpan delay) => new(Delay: delay);

        /// <summary>A 503 a Lanes edge answered because a hop further down had no instance of a strict lane.</summary>
        public static Outcome StrictRefusal { get; } = new(HttpStatusCode.ServiceUnavailable, Refusal: true);
    }
}
