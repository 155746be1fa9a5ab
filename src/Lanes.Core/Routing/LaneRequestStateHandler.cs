namespace Lanes.Routing;

/// <summary>
/// Outermost handler of lane-aware clients that have other handlers (retries, hedging): gives each request its
/// <see cref="LaneRequestState"/> before any handler copies the request, so every attempt shares it.
/// </summary>
internal sealed class LaneRequestStateHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Attach(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Attach(request);
        return base.Send(request, cancellationToken);
    }

    private static void Attach(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(LaneRequestState.Key, out _))
        {
            request.Options.Set(LaneRequestState.Key, new LaneRequestState());
        }
    }
}
