using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using Lanes.Extensibility;
using Lanes.Propagation;
using Lanes.Routing.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Routing;

/// <summary>
/// Sends each request for <c>http://&lt;service&gt;/...</c> to an instance of the request's lane, else
/// to base with the lane kept (or refuses, for a strict lane), and never base traffic to a lane instance.
/// The request's lane is the lane header it carries, else the ambient lane; when the propagation handler wrote the
/// header from the ambient lane, it hands that lane over as a value (<see cref="Propagation.WrittenLane"/>) instead of
/// the header being read back. Requests to IP addresses pass through untouched.
/// </summary>
/// <remarks>
/// <c>AddTrafficLanes()</c> places this handler innermost, so a retry or hedging handler on the client runs outside
/// it and every attempt picks again, within the same lane and avoiding the instances the request's other
/// attempts went to (the state lives in the request's options, which hedged copies share). A connection that
/// could not be opened carried nothing, so the request is sent to another instance straight away. Transport
/// failures count towards passive health; 5xx answers only when configured. A gRPC call that no instance may take
/// ends with status <c>UNAVAILABLE</c> naming service and lane; other calls throw <see cref="LaneRoutingException"/>.
/// </remarks>
internal sealed class LaneRoutingHandler : DelegatingHandler
{
    private const int MaxConnectAttempts = 3;

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

    /// <summary>
    /// Whether other handlers of the client may send copies of a request (retries, hedging): the request then
    /// carries a <see cref="LaneRequestState"/> its attempts share. Off, no per-request state is looked up.
    /// </summary>
    internal bool ShareStateWithAttempts { get; set; }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var serviceUri = request.RequestUri;
        if (serviceUri is null || !IsServiceName(serviceUri))
        {
            return base.SendAsync(request, cancellationToken);
        }

        // Attempts that share state (retries, hedging) take the general path.
        return ShareStateWithAttempts
            ? SendCoreAsync(request, serviceUri, async: true, cancellationToken)
            : SendFirstAttempt(request, serviceUri, cancellationToken);
    }

    // The first attempt without a state machine of its own: picking needs no waiting once the service is resolved, and
    // an answer already there is handed back as it came, so the routing adds no task. What waits or fails goes on in
    // a small async method (AwaitFirstAttemptAsync), the rare rest in the general path.
    private Task<HttpResponseMessage> SendFirstAttempt(HttpRequestMessage request, Uri serviceUri, CancellationToken cancellationToken)
    {
        ValueTask<RouteSelection> picking;
        try
        {
            picking = _router.SelectAsync(serviceUri.Host, RequestLane(request), default, cancellationToken);
        }
        catch (LaneRoutingException refusal) when (LaneRefusal.IsGrpc(request))
        {
            return Task.FromResult(LaneRefusal.ToGrpcResponse(refusal, request));
        }
        catch (Exception ex)
        {
            return Task.FromException<HttpResponseMessage>(ex);
        }

        if (!picking.IsCompletedSuccessfully)
        {
            return SendCoreAsync(request, serviceUri, async: true, cancellationToken, firstPick: picking);
        }

        var selection = picking.Result;
        Apply(request, selection.Target, serviceUri);
        Task<HttpResponseMessage> sending;
        try
        {
            sending = base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            sending = Task.FromException<HttpResponseMessage>(ex);   // handled as if it had failed later
        }

        if (!sending.IsCompletedSuccessfully)
        {
            return AwaitFirstAttemptAsync(request, serviceUri, selection, sending, cancellationToken);
        }

        Completed(selection, sending.Result);
        request.RequestUri = serviceUri;
        return sending;
    }

    private async Task<HttpResponseMessage> AwaitFirstAttemptAsync(
        HttpRequestMessage request, Uri serviceUri, RouteSelection selection, Task<HttpResponseMessage> sending, CancellationToken cancellationToken)
    {
        try
        {
            var response = await sending.ConfigureAwait(false);
            Completed(selection, response);
            return response;
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            _router.Report(selection, CallOutcomes.Of(ex));
            if (ex.HttpRequestError != HttpRequestError.ConnectionError)
            {
                throw;
            }

            // Nothing reached the instance: the general path sends it elsewhere, avoiding this one.
            var tried = default(TriedTargets);
            tried.Add(selection.Target.Address, unreachable: true);
            request.RequestUri = serviceUri;
            return await SendCoreAsync(request, serviceUri, async: true, cancellationToken, firstAttempt: 2, tried: tried, unreachable: ex).ConfigureAwait(false);
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

        // With async: false nothing below awaits anything unfinished, so the task is complete on return.
        return SendCoreAsync(request, serviceUri, async: false, cancellationToken).GetAwaiter().GetResult();
    }

    // One core for Send and SendAsync: the same picks, retries and health reports either way.
    // A first attempt that could not complete on the fast path continues here: firstPick is its pending pick, or
    // firstAttempt, tried and unreachable say what the attempts before found.
    private async Task<HttpResponseMessage> SendCoreAsync(
        HttpRequestMessage request,
        Uri serviceUri,
        bool async,
        CancellationToken cancellationToken,
        ValueTask<RouteSelection>? firstPick = null,
        int firstAttempt = 1,
        TriedTargets tried = default,
        HttpRequestException? unreachable = null)
    {
        var state = ShareStateWithAttempts && request.Options.TryGetValue(LaneRequestState.Key, out var shared) ? shared : null;
        var lane = state is null ? RequestLane(request) : state.GetOrSetLane(RequestLane(request));
        if (state is not null)
        {
            tried = state.Tried;
        }

        for (var attempt = firstAttempt; ; attempt++)
        {
            RouteSelection selection;
            try
            {
                var pending = firstPick ?? _router.SelectAsync(serviceUri.Host, lane, tried, cancellationToken);
                firstPick = null;
                selection = pending.IsCompletedSuccessfully ? pending.Result
                    : async ? await pending.ConfigureAwait(false)
                    : pending.AsTask().GetAwaiter().GetResult();
            }
            catch (LaneRoutingException refusal) when (unreachable is not null && refusal is not LaneUnavailableException)
            {
                // Nothing else may take the request: the honest error is that the instance could not be reached. A
                // strict lane's refusal stays a refusal: its caller asked for exactly that answer (a 503 naming service
                // and lane) when the lane has no instance left.
                ExceptionDispatchInfo.Throw(unreachable);
                throw;
            }
            catch (LaneRoutingException refusal) when (LaneRefusal.IsGrpc(request))
            {
                return LaneRefusal.ToGrpcResponse(refusal, request);
            }

            Apply(request, selection.Target, serviceUri);
            state?.Add(selection.Target.Address, unreachable: false);   // copies in flight at the same time go elsewhere
            try
            {
                var response = async
                    ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false)
                    : base.Send(request, cancellationToken);
                Completed(selection, response);
                return response;
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                _router.Report(selection, CallOutcomes.Of(ex));
                var notConnected = ex.HttpRequestError == HttpRequestError.ConnectionError;
                tried.Add(selection.Target.Address, notConnected);
                state?.Add(selection.Target.Address, notConnected);
                if (!notConnected || attempt == MaxConnectAttempts)
                {
                    throw;
                }

                unreachable = ex;   // nothing reached the instance: safe to send elsewhere
            }
            finally
            {
                request.RequestUri = serviceUri;
            }
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

    private void Completed(in RouteSelection selection, HttpResponseMessage response)
    {
        _router.Report(selection, CallOutcomes.Of(response));

        // The downstream hop's own decisions follow ours in the route header.
        if (RouteTrace.Current is { } trace && response.Headers.NonValidated.TryGetValues(RouteTrace.HeaderName, out var hops))
        {
            foreach (var hop in hops)
            {
                trace.Add(hop);
            }
        }
    }

    // The lane the request carries wins (base included), so a caller that tags a request by hand routes by that tag.
    private Lane RequestLane(HttpRequestMessage request)
    {
        // The propagation handler just wrote the ambient lane on this request, and handed it over as a value.
        if (WrittenLane.TryGet(request, out var written))
        {
            return _router.Normalize(written);
        }

        var ambient = LaneContext.Current;
        if (FindHeader(request.Headers, _headerName, out var values))
        {
            // The propagation handler wrote the ambient lane's own name: already a valid lane, nothing to parse.
            if (!ambient.IsBase && values.Count == 1 && string.Equals(Single(values), ambient.Name, StringComparison.Ordinal))
            {
                return _router.Normalize(ambient);
            }

            var carried = HeaderStrings(values);
            if (LaneReader.ReadHeader(carried, out var lane) == LaneRejection.None && (!lane.IsBase || !IsBlank(carried)))
            {
                return _router.Normalize(lane);
            }
        }

        return _router.Normalize(ambient);
    }

    // One pass over the headers instead of TryGetValues, which parses and validates the name on every call. The
    // propagation handler adds the header under this very name string, so the reference check finds it without comparing.
    internal static bool FindHeader(HttpRequestHeaders headers, string name, out HeaderStringValues values)
    {
        var store = headers.NonValidated;
        if (store.Count != 0)
        {
            foreach (var header in store)
            {
                if (ReferenceEquals(header.Key, name) || string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    values = header.Value;
                    return true;
                }
            }
        }

        values = default;
        return false;
    }

    private static string? Single(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static bool IsBlank(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return false;
            }
        }

        return true;
    }

    private static Microsoft.Extensions.Primitives.StringValues HeaderStrings(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            return Single(values);
        }

        var all = new string[values.Count];
        var i = 0;
        foreach (var value in values)
        {
            all[i++] = value;
        }

        return all;
    }
}
