namespace Lanes.Propagation;

/// <summary>
/// The lane the propagation handler just wrote on a request, handed to the routing handler further down the same
/// pipeline as a value, so routing does not read back the header it was written from. Only valid while the propagation
/// handler's call into the pipeline runs synchronously on this thread (the handlers between them, logging and
/// resilience included, call inwards before their first await); otherwise, or if a handler between them added or
/// removed a header, the routing handler reads the header as before.
/// </summary>
/// <remarks>
/// A thread-static pair, not <see cref="HttpRequestMessage.Options"/>: a request's options are a dictionary created on
/// first use, which would cost every gray call more than the read it saves.
/// </remarks>
internal static class WrittenLane
{
    [ThreadStatic]
    private static HttpRequestMessage? t_request;

    [ThreadStatic]
    private static Lane t_lane;

    [ThreadStatic]
    private static int t_headerCount;

    /// <summary>Records that <paramref name="request"/> carries <paramref name="lane"/>, written by the propagation handler.</summary>
    public static void Set(HttpRequestMessage request, Lane lane)
    {
        t_request = request;
        t_lane = lane;
        t_headerCount = request.Headers.NonValidated.Count;
    }

    /// <summary>Forgets the request: its synchronous part of the pipeline has ended.</summary>
    public static void Clear() => t_request = null;

    /// <summary>The lane recorded for <paramref name="request"/>, if it is the request being sent and its headers are as written.</summary>
    public static bool TryGet(HttpRequestMessage request, out Lane lane)
    {
        if (ReferenceEquals(t_request, request) && request.Headers.NonValidated.Count == t_headerCount)
        {
            lane = t_lane;
            return true;
        }

        lane = default;
        return false;
    }
}
