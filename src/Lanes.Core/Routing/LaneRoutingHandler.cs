using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Lanes.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Routing;

/// <summary>
/// Sends each request for <c>http://&lt;service&gt;/...</c> to an instance of the request's lane, else
/// to base with the lane kept (or refuses, for a strict lane), and never base traffic to a lane instance.
/// The request's lane is the lane header it carries, else the ambient lane. Requests to IP addresses pass
/// through untouched.
/// </summary>
/// <remarks>
/// <c>AddLanes()</c> places this handler innermost, so a retry or hedging handler on the client runs outside
/// it and every attempt picks again, within the same lane and avoiding an instance the request just failed
/// on. A connection that could not be opened carried nothing, so the request is sent to another instance
/// straight away. Calls that fail to connect or answer 5xx count towards passive health.
/// </remarks>
public sealed class LaneRoutingHandler : DelegatingHandler
{
    private const int MaxConnectAttempts = 3;

    // The instance a request last failed on, for the retry that sends the same message again.
    // A weak table: no allocation for requests that never fail, nothing kept once the request is gone.
    private static readonly ConditionalWeakTable<HttpRequestMessage, string> s_failedOn = [];

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

        var lane = RequestLane(request.Headers);
        var tried = new TriedTargets(s_failedOn.TryGetValue(request, out var failedOn) ? failedOn : null);
        for (var attempt = 1; ; attempt++)
        {
            var selection = await _router.SelectAsync(serviceUri.Host, lane, tried, cancellationToken).ConfigureAwait(false);
            Apply(request, selection.Target, serviceUri);
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                Completed(request, selection, response);
                return response;
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Failed(request, selection);
                if (ex.HttpRequestError != HttpRequestError.ConnectionError || attempt == MaxConnectAttempts)
                {
                    throw;
                }

                tried.Add(selection.Target);   // nothing reached the instance: safe to send elsewhere
            }
            finally
            {
                request.RequestUri = serviceUri;
            }
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

        var tried = new TriedTargets(s_failedOn.TryGetValue(request, out var failedOn) ? failedOn : null);
        var selection = _router.SelectAsync(serviceUri.Host, RequestLane(request.Headers), tried, cancellationToken).AsTask().GetAwaiter().GetResult();
        Apply(request, selection.Target, serviceUri);
        try
        {
            var response = base.Send(request, cancellationToken);
            Completed(request, selection, response);
            return response;
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(request, selection);
            throw;
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

    private void Completed(HttpRequestMessage request, in RouteSelection selection, HttpResponseMessage response)
    {
        var failed = (int)response.StatusCode >= 500;
        _router.Report(selection, failed);
        if (failed)
        {
            s_failedOn.AddOrUpdate(request, selection.Target.Address);
        }

        // The downstream hop's own decisions follow ours in the route header.
        if (RouteTrace.Current is { } trace && response.Headers.NonValidated.TryGetValues(RouteTrace.HeaderName, out var hops))
        {
            foreach (var hop in hops)
            {
                trace.Add(hop);
            }
        }
    }

    private void Failed(HttpRequestMessage request, in RouteSelection selection)
    {
        _router.Report(selection, failed: true);
        s_failedOn.AddOrUpdate(request, selection.Target.Address);
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
                    return _router.Normalize(carried);
                }
            }
        }

        return _router.Normalize(LaneContext.Current);
    }
}
