using Lanes.Extensibility;
using Lanes.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Lanes.OpenTelemetry.Propagation;

/// <summary>
/// Puts <see cref="LaneBaggageHandler"/> first in every client that called <c>AddTrafficLanes()</c>, so the lane it
/// takes from baggage is ambient for everything inside (resilience, propagation, routing and the client span), and
/// the baggage it adjusts is the one OpenTelemetry's instrumentation writes.
/// </summary>
internal sealed class LaneBaggageHandlerFilter(IServiceProvider services) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        var clients = services.GetService<LaneHttpClients>();
        if (builder.Name is null || clients is null || !clients.Contains(builder.Name))
        {
            return;
        }

        var instrumentation = services.GetRequiredService<IOptions<LanesInstrumentationOptions>>().Value;
        var propagation = services.GetRequiredService<IOptions<LanesOptions>>().Value.Propagation;
        if (propagation.BaggageKey.Length == 0)
        {
            return;
        }

        builder.AdditionalHandlers.Insert(0, new LaneBaggageHandler(
            propagation.HeaderName,
            propagation.BaggageKey,
            instrumentation.ReadLaneFromBaggage,
            services.GetRequiredService<LanesMetrics>()));
    };
}
