using System.Diagnostics;

namespace Lanes.Diagnostics;

/// <summary>Names of Lanes' telemetry, for OpenTelemetry and log filters.</summary>
public static class LanesDiagnostics
{
    /// <summary>The name of Lanes' <see cref="System.Diagnostics.ActivitySource"/>, <see cref="System.Diagnostics.Metrics.Meter"/> and log category prefix.</summary>
    public const string Name = "Lanes";

    /// <summary>The span attribute that holds the request's lane.</summary>
    public const string LaneTag = "lanes.lane";

    /// <summary>Lanes' activity source.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);
}
