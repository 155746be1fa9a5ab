using Lanes.Propagation;
using Lanes.Routing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes an <see cref="HttpClient"/> lane-aware.</summary>
public static class LanesHttpClientBuilderExtensions
{
    // Microsoft.Extensions.ServiceDiscovery's handler round-robins across every lane; it must not run in front of ours.
    private const string ServiceDiscoveryHandlerTypeName = "Microsoft.Extensions.ServiceDiscovery.Http.ResolvingHttpDelegatingHandler";

    /// <summary>
    /// Adds lane propagation (the ambient lane written as a header and baggage member) and lane-aware
    /// instance selection (<c>http://&lt;service&gt;/...</c> resolved to an instance of the request's lane,
    /// else base) to the client. Replaces Microsoft.Extensions.ServiceDiscovery's own resolving handler
    /// when one was added, for example by <c>ConfigureHttpClientDefaults(b =&gt; b.AddServiceDiscovery())</c>.
    /// Selection always runs innermost, inside any resilience handler, so retries and hedged attempts stay in
    /// the lane and pick again.
    /// </summary>
    /// <param name="builder">The HTTP client builder.</param>
    public static IHttpClientBuilder AddLanes(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrafficLanesCore();
        builder.AddHttpMessageHandler<LanePropagationHandler>();

        // Runs after every other handler is configured: routing goes innermost, so retry and hedging handlers
        // added before or after AddLanes() sit outside it and each attempt picks an instance again.
        builder.ConfigureAdditionalHttpMessageHandlers(static (handlers, services) =>
        {
            var hasRouting = false;
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i].GetType().FullName == ServiceDiscoveryHandlerTypeName)
                {
                    handlers.RemoveAt(i);
                }
                else
                {
                    hasRouting |= handlers[i] is LaneRoutingHandler;
                }
            }

            if (!hasRouting)
            {
                handlers.Add(services.GetRequiredService<LaneRoutingHandler>());
            }
        });
        return builder;
    }
}
