using Lanes.Extensibility;
using Lanes.Propagation;
using Lanes.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes an <see cref="HttpClient"/> lane-aware.</summary>
public static class TrafficLanesHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds lane propagation (the ambient lane written as a header and baggage member) and lane-aware
    /// instance selection (<c>http://&lt;service&gt;/...</c> resolved to an instance of the request's lane,
    /// else base) to the client. Replaces Microsoft.Extensions.ServiceDiscovery's own resolving handler
    /// when one was added, for example by <c>ConfigureHttpClientDefaults(b =&gt; b.AddServiceDiscovery())</c>.
    /// Selection always runs innermost, inside any resilience handler, so retries and hedged attempts stay in
    /// the lane and pick again.
    /// </summary>
    /// <param name="builder">The HTTP client builder.</param>
    public static IHttpClientBuilder AddTrafficLanes(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrafficLanesCore();
        builder.AddHttpMessageHandler<LanePropagationHandler>();

        // Routing goes innermost once every other handler is configured: see LaneRoutingHandlerFilter.
        builder.Services.TryAddSingleton(static sp => new LaneHttpClients(sp.GetServices<LaneHttpClients.Name>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, LaneRoutingHandlerFilter>());
        builder.Services.AddSingleton(new LaneHttpClients.Name(builder.Name));
        return builder;
    }
}
