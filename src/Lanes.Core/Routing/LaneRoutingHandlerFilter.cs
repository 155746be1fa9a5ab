using Lanes.Extensibility;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Lanes.Routing;

/// <summary>
/// Puts <see cref="LaneRoutingHandler"/> last in the pipeline of every client that called <c>AddTrafficLanes()</c>,
/// after all other configuration has run, so retry and hedging handlers (which place themselves late too)
/// always sit outside it and every attempt picks an instance again. Also removes
/// Microsoft.Extensions.ServiceDiscovery's own resolving handler, which would round-robin across lanes.
/// </summary>
/// <remarks>
/// A gRPC channel built over the client (Grpc.Net.ClientFactory) would otherwise see a bare
/// <see cref="SocketsHttpHandler"/>, turn on its own load balancing and resolve the service name through DNS
/// itself, bypassing the per-call pick. The handler property below is the switch gRPC reads to leave addressing
/// to the HTTP pipeline; Microsoft.Extensions.ServiceDiscovery sets the same one for the same reason.
/// </remarks>
internal sealed class LaneRoutingHandlerFilter(LaneHttpClients clients, IServiceProvider services) : IHttpMessageHandlerBuilderFilter
{
    private const string ServiceDiscoveryHandlerTypeName = "Microsoft.Extensions.ServiceDiscovery.Http.ResolvingHttpDelegatingHandler";
    private const string GrpcLoadBalancingDisabled = "__GrpcLoadBalancingDisabled";

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (builder.Name is null || !clients.Contains(builder.Name))
        {
            return;
        }

        var handlers = builder.AdditionalHandlers;
        for (var i = handlers.Count - 1; i >= 0; i--)
        {
            if (handlers[i] is LaneRoutingHandler || handlers[i].GetType().FullName == ServiceDiscoveryHandlerTypeName)
            {
                handlers.RemoveAt(i);
            }
        }

        // Handlers besides Lanes' own may send copies of a request (hedging): give each request state its copies share.
        var routing = services.GetRequiredService<LaneRoutingHandler>();
        routing.ShareStateWithAttempts = HasForeignHandlers(handlers);
        if (routing.ShareStateWithAttempts)
        {
            handlers.Insert(0, new LaneRequestStateHandler());
        }

        handlers.Add(routing);
        if (builder.PrimaryHandler is SocketsHttpHandler sockets)
        {
            sockets.Properties[GrpcLoadBalancingDisabled] = true;
        }
    };

    private static bool HasForeignHandlers(IList<DelegatingHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            // Lanes' own handlers (propagation, OpenTelemetry baggage) never copy a request.
            if (handler.GetType().Namespace?.StartsWith(nameof(Lanes), StringComparison.Ordinal) != true)
            {
                return true;
            }
        }

        return false;
    }
}
