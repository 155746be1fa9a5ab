using Lanes.Yarp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes a YARP gateway lane-aware.</summary>
public static class LanesReverseProxyBuilderExtensions
{
    /// <summary>
    /// Resolves cluster destinations written as service names (<c>http://orders</c>) through Lanes'
    /// discovery on every forwarded request, choosing an instance of the request's lane, else base, and
    /// never a lane instance for base traffic. Entry rules from <c>AddTrafficLanes()</c> decide the lane.
    /// </summary>
    /// <param name="builder">The reverse proxy builder.</param>
    public static IReverseProxyBuilder AddLanes(this IReverseProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrafficLanesCore();
        builder.Services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, LaneForwarderHttpClientFactory>());
        return builder;
    }
}
