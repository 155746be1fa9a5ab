namespace Lanes.Diagnostics;

/// <summary>How lanes appear in metrics (<c>Lanes:Metrics</c>).</summary>
public sealed class LaneMetricsOptions
{
    /// <summary>The default of <see cref="MaxLanes"/>.</summary>
    internal const int DefaultMaxLanes = 16;

    /// <summary>The largest value <see cref="MaxLanes"/> accepts.</summary>
    internal const int MaxLanesLimit = 1000;

    /// <summary>
    /// The number of distinct lanes, besides base, that get their own value of the <c>lanes.lane</c> metric attribute.
    /// Lanes seen after that many are reported as <c>(other)</c> and counted in <c>lanes.metrics.lane_overflow</c>, so a
    /// flood of lane names cannot grow a metrics backend without bound.
    /// </summary>
    /// <value>The default value is 16; 1 to 1000.</value>
    public int MaxLanes { get; set; } = DefaultMaxLanes;
}
