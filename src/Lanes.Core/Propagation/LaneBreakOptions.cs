namespace Lanes.Propagation;

/// <summary>
/// Detection of calls that leave a lane silently (<c>Lanes:Propagation:BreakDetection</c>): an outbound HTTP
/// request made inside a lane without the lane header, from a raw <see cref="HttpClient"/> or a client built
/// without <c>AddTrafficLanes()</c>.
/// </summary>
public sealed class LaneBreakOptions
{
    /// <summary>Whether such calls are counted and logged.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the lane header is added to such calls, repairing the break instead of only reporting it.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Repair { get; set; }

    /// <summary>Hosts that are not lane-aware services (databases, third-party APIs); calls to them are not breaks.</summary>
    public List<string> IgnoredHosts { get; } = [];
}
