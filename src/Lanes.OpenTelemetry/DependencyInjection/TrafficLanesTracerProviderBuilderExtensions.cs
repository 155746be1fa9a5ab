using Lanes;
using Lanes.Diagnostics;
using Lanes.OpenTelemetry;
using Lanes.OpenTelemetry.Propagation;
using Lanes.OpenTelemetry.Tracing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace OpenTelemetry.Trace;

/// <summary>Adds traffic lanes to an OpenTelemetry tracer provider.</summary>
public static class TrafficLanesTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds Lanes' activity source (<c>Lanes</c>), tags spans that start inside a lane with <c>lanes.lane</c>, and
    /// lets lane-aware clients honour the lane member of OpenTelemetry's <c>Baggage.Current</c>.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    public static TracerProviderBuilder AddTrafficLanesInstrumentation(this TracerProviderBuilder builder) =>
        AddTrafficLanesInstrumentation(builder, configure: null);

    /// <summary>
    /// Adds Lanes' activity source (<c>Lanes</c>), tags spans that start inside a lane with <c>lanes.lane</c>, and
    /// lets lane-aware clients honour the lane member of OpenTelemetry's <c>Baggage.Current</c>.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <param name="configure">Changes the defaults, for example to mirror the lane into baggage.</param>
    /// <remarks>
    /// Reading the lane from baggage needs the tracer provider to share the application's services, as
    /// <c>services.AddOpenTelemetry().WithTracing(...)</c> does.
    /// </remarks>
    public static TracerProviderBuilder AddTrafficLanesInstrumentation(this TracerProviderBuilder builder, Action<LanesInstrumentationOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services =>
        {
            // Options only: Lanes itself comes with AddTrafficLanes() or AddTrafficLanes() in the application's services,
            // and a standalone tracer provider (Sdk.CreateTracerProviderBuilder()) should not grow a copy of it.
            var options = services.AddOptions<LanesInstrumentationOptions>();
            if (configure is not null)
            {
                options.Configure(configure);
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, LaneBaggageHandlerFilter>());
        });

        builder.AddSource(LanesDiagnostics.Name);
        builder.AddProcessor(static services =>
        {
            var instrumentation = services.GetRequiredService<IOptions<LanesInstrumentationOptions>>().Value;
            var baggageKey = services.GetRequiredService<IOptions<LanesOptions>>().Value.Propagation.BaggageKey;
            var mirrorKey = instrumentation.MirrorLaneToBaggage && baggageKey.Length > 0 ? baggageKey : null;
            return new LaneSpanProcessor(instrumentation.TagSpansWithLane, mirrorKey);
        });
        return builder;
    }
}
