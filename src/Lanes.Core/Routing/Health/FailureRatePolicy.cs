namespace Lanes.Routing.Health;

/// <summary>When 5xx answers count: the failure rate that ejects, over how long (in timestamp ticks), from how many calls.</summary>
internal sealed record FailureRatePolicy(double Rate, long WindowTicks, int MinimumCalls)
{
    /// <summary>The number of buckets the window is kept in: it slides in tenths.</summary>
    public const int Buckets = 10;
}
