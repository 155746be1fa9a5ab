namespace Lanes.Propagation;

/// <summary>
/// The lane the propagation handler just wrote on a request, handed to the routing handler further down the same
/// pipeline as a value, so routing does not read back the header it was written from. Only valid while the propagation
/// handler's call into the pipeline runs synchronously on this thread (the handlers between them, logging and
/// resilience included, call inwards before their first await); otherwise, or if a handler between them added or
/// removed a header, the routing handler reads the header as before.
/// </summary>
/// <remarks>
/// Thread-static, not <see cref="HttpRequestMessage.Options"/>: a request's options are a dictionary created on first
/// use, which would cost every gray call more than the read it saves. Not seen: a handler between the two that replaces
/// the lane header with another value, leaving the number of headers as it was; such a handler should enter its lane
/// with <see cref="LaneContext.Enter(Lane)"/> around the call instead.
/// </remarks>
internal static class WrittenLane
{
    // One thread-static reference, so each operation looks the thread's storage up once.
    [ThreadStatic]
    private static Slot? t_slot;

    /// <summary>Records that <paramref name="request"/> carries <paramref name="lane"/>, written by the propagation handler.</summary>
    public static void Set(HttpRequestMessage request, Lane lane)
    {
        var slot = t_slot ??= new Slot();
        slot.Request = request;
        slot.Lane = lane;
        slot.HeaderCount = request.Headers.NonValidated.Count;
    }

    /// <summary>Forgets the request: its synchronous part of the pipeline has ended.</summary>
    public static void Clear()
    {
        if (t_slot is { } slot)
        {
            slot.Request = null;
        }
    }

    /// <summary>The lane recorded for <paramref name="request"/>, if it is the request being sent and its headers are as written.</summary>
    public static bool TryGet(HttpRequestMessage request, out Lane lane)
    {
        if (t_slot is { } slot && ReferenceEquals(slot.Request, request) && request.Headers.NonValidated.Count == slot.HeaderCount)
        {
            lane = slot.Lane;
            return true;
        }

        lane = default;
        return false;
    }

    private sealed class Slot
    {
        public HttpRequestMessage? Request;
        public Lane Lane;
        public int HeaderCount;
    }
}
