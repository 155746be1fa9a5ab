namespace Lanes.Samples.Service.Faults;

/// <summary>
/// The faults of one lane, with its request counter. The n-th request fails when <c>floor(n × share)</c> grows, so
/// failures are spread evenly and exact: any 100 requests in a row of a lane with share 0.2 hold 20 failures.
/// </summary>
internal sealed class LaneFault(double errorShare, TimeSpan addedLatency)
{
    private long _requests;

    public TimeSpan AddedLatency { get; } = addedLatency;

    /// <summary>Counts a request and says whether it is one to fail.</summary>
    public bool NextFails()
    {
        if (errorShare <= 0)
        {
            return false;
        }

        var n = Interlocked.Increment(ref _requests);
        return Math.Floor(n * errorShare) > Math.Floor((n - 1) * errorShare);
    }
}
