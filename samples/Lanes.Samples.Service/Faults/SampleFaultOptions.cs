namespace Lanes.Samples.Service.Faults;

/// <summary>
/// Faults for tests and demos, by the request's lane: <c>Faults:gray:ErrorShare=0.2</c>,
/// <c>Faults:gray:AddedLatency=00:00:00.050</c>. A lane without an entry, and base unless <c>Faults:base</c> is given, is
/// served normally.
/// </summary>
public sealed class SampleFaultOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Faults";

    /// <summary>The faults of each lane, by lane name.</summary>
    public Dictionary<string, LaneFaultOptions> Lanes { get; } = new(StringComparer.Ordinal);
}
