using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Routing;

/// <summary>
/// Sends each request for <c>http://&lt;service&gt;/...</c> to an instance of the request's lane, else
/// to base with the lane kept, and never base traffic to a lane instance. The request's lane is the
/// lane header it carries, else the ambient lane. Requests to IP addresses pass through untouched.
/// </summary>
/// <remarks>
/// Runs on every attempt, so a retry handler placed outside it picks again within the same lane.
/// The request URI is restored after the call so a retried request starts from the service name.
/// </remarks>
public sealed class LaneRoutingHandler : DelegatingHandler
{
    private readonly LaneRouter _router;
    private readonly string _headerName;

    /// <summary>Creates the handler.</summary>
    /// <param name="services">The service provider holding the Lanes registrations.</param>
    /// <param name="options">The lanes options.</param>
    public LaneRoutingHandler(IServiceProvider services, IOptions<LanesOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _router = services.GetRequiredService<LaneRouter>();
        _headerName = options.Value.Propagation.HeaderName;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var serviceUri = request.RequestUri;
        if (serviceUri is null || !IsServiceName(serviceUri))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var selection = await _router.SelectAsync(serviceUri.Host, RequestLane(request.Headers), cancellationToken).ConfigureAwait(false);
        Apply(request, selection.Target, serviceUri);
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.RequestUri = serviceUri;
        }
    }

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var serviceUri = request.RequestUri;
        if (serviceUri is null || !IsServiceName(serviceUri))
        {
            return base.Send(request, cancellationToken);
        }

        var selection = _router.SelectAsync(serviceUri.Host, RequestLane(request.Headers), cancellationToken).AsTask().GetAwaiter().GetResult();
        Apply(request, selection.Target, serviceUri);
        try
        {
            return base.Send(request, cancellationToken);
        }
        finally
        {
            request.RequestUri = serviceUri;
        }
    }

    private static bool IsServiceName(Uri uri) =>
        uri.IsAbsoluteUri && uri.HostNameType is UriHostNameType.Dns or UriHostNameType.Basic;

    private static void Apply(HttpRequestMessage request, RouteTarget target, Uri serviceUri)
    {
        request.RequestUri = target.Rewrite(serviceUri);
        if (target.HostHeader is not null && request.Headers.Host is null)
        {
            request.Headers.Host = target.HostHeader;
        }
    }

    // The lane the request carries wins, so a caller that tags a request by hand routes by that tag.
    private Lane RequestLane(HttpRequestHeaders headers)
    {
        if (headers.NonValidated.TryGetValues(_headerName, out var values) && values.Count == 1)
        {
            foreach (var value in values)
            {
                if (Lane.TryParse(value, out var carried))
                {
                    return carried;
                }
            }
        }

        return LaneContext.Current;
    }
}
