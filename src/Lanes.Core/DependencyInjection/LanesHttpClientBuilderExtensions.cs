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
    /// </summary>
    /// <param name="builder">The HTTP client builder.</param>
    public static IHttpClientBuilder AddLanes(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrafficLanesCore();
        builder.AddHttpMessageHandler<LanePropagationHandler>();
        builder.AddHttpMessageHandler<LaneRoutingHandler>();
        builder.ConfigureAdditionalHttpMessageHandlers(static (handlers, _) =>
        {
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i].GetType().FullName == ServiceDiscoveryHandlerTypeName)
                {
                    handlers.RemoveAt(i);
                }
            }
        });
        return builder;
    }
}
