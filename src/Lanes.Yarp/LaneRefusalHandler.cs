using System.Net;
using System.Net.Http.Headers;
using Lanes.Routing;

namespace Lanes.Yarp;

/// <summary>
/// Turns a refused route (a strict lane with no healthy instance, an unknown or empty service) into the
/// 503 problem answer the ASP.NET Core edge gives, instead of the bare 502 YARP reports for a failed send.
/// </summary>
internal sealed class LaneRefusalHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (LaneRoutingException refusal)
        {
            var content = new ByteArrayContent(LaneRefusal.From(refusal).ToUtf8Json());
            content.Headers.ContentType = new MediaTypeHeaderValue(LaneRefusal.ContentType);
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = content, RequestMessage = request };
        }
    }
}
