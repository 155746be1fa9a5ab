namespace Lanes.Samples.Service.Faults;

/// <summary>Faults a sample service injects into the requests of one lane (<c>Faults:&lt;lane&gt;</c>).</summary>
public sealed class LaneFaultOptions
{
    /// <summary>The share of the lane's requests answered with 500, 0 to 1 (<c>0.2</c>: one in five).</summary>
    public double ErrorShare { get; set; }

    /// <summary>Latency added to each of the lane's requests before it is handled (<c>00:00:00.050</c>).</summary>
    public TimeSpan AddedLatency { get; set; }
}
