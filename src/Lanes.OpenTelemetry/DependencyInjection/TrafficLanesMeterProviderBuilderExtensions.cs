using Lanes.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>Adds traffic lanes to an OpenTelemetry meter provider.</summary>
public static class TrafficLanesMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds Lanes' meter (<c>Lanes</c>): <c>lanes.routing.decisions</c> by service, lane (<c>lanes.lane</c>) and reason,
    /// <c>lanes.routing.ejections</c> and <c>lanes.carrier.rejected</c>.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    public static MeterProviderBuilder AddTrafficLanesInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(LanesDiagnostics.Name);
    }
}
