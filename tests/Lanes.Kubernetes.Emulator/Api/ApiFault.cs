namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// What <see cref="EmulatorOptions.Faults"/> does to one request: wait <see cref="Delay"/> first (a slow answer), then
/// answer <see cref="Status"/> with a Kubernetes <c>Status</c> body instead of serving it (409 Conflict, 500
/// InternalError, 429...). Either may be left out.
/// </summary>
public sealed record ApiFault(int? Status = null, TimeSpan? Delay = null)
{
    /// <summary>A 409 as the API server answers a write based on a stale resourceVersion.</summary>
    public static ApiFault Conflict { get; } = new(409);

    /// <summary>A 500 as an API server answers when etcd or a webhook fails.</summary>
    public static ApiFault InternalError { get; } = new(500);

    /// <summary>An answer that comes late.</summary>
    public static ApiFault Slow(TimeSpan delay) => new(Delay: delay);
}
