using Lanes.Routing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Extensibility;

/// <summary>
/// Where a discovered <see cref="ServiceEndpoint"/> is reached, computed as Lanes' own HTTP routing computes it, for
/// packages that hand discovered instances to another proxy or client (as Lanes.Yarp does with YARP destinations).
/// </summary>
public static class ServiceEndpointAddress
{
    /// <summary>
    /// The instance's address, which identifies it across changes of the endpoint set: <c>host:port</c> for an IP or
    /// DNS endpoint, <c>scheme://authority/path</c> for a URI endpoint; <see langword="null"/> for an endpoint type
    /// requests cannot be sent to.
    /// </summary>
    /// <param name="endpoint">The discovered endpoint.</param>
    public static string? Of(ServiceEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return RouteTarget.For(endpoint)?.Address;
    }

    /// <summary>
    /// <paramref name="serviceUri"/> (<c>http://&lt;service&gt;/path?query</c>) with the service's authority replaced by
    /// the instance's; <see langword="null"/> for an endpoint type requests cannot be sent to. A scheme such as
    /// <c>https+http</c> resolves to its first scheme.
    /// </summary>
    /// <param name="endpoint">The discovered endpoint.</param>
    /// <param name="serviceUri">An absolute URI naming the service.</param>
    public static Uri? Rewrite(ServiceEndpoint endpoint, Uri serviceUri)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(serviceUri);
        return RouteTarget.For(endpoint)?.Rewrite(serviceUri);
    }
}
