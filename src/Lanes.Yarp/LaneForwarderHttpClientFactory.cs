using Lanes.Propagation;
using Lanes.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Lanes.Yarp;

/// <summary>
/// YARP's forwarder client with Lanes' handlers in front of the socket handler: a destination address
/// such as <c>http://orders</c> is resolved per request to an instance of the request's lane, else base.
/// </summary>
internal sealed class LaneForwarderHttpClientFactory(
    IServiceProvider services,
    IOptions<LanesOptions> options,
    ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var routing = new LaneRoutingHandler(services, options) { InnerHandler = base.WrapHandler(context, handler) };
        return new LaneRefusalHandler { InnerHandler = new LanePropagationHandler(options) { InnerHandler = routing } };
    }
}
