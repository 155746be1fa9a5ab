using System.Net;

namespace Lanes.Routing.Health;

/// <summary>Tells which failed calls are the instance's fault.</summary>
internal static class CallOutcomes
{
    /// <summary>The outcome of a call that returned <paramref name="response"/>.</summary>
    public static CallOutcome Of(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status < 500)
        {
            return CallOutcome.Answered;
        }

        // A Lanes edge answering for a hop further down (a strict lane without instance) is not this instance failing.
        return status == (int)HttpStatusCode.ServiceUnavailable && response.Headers.NonValidated.Contains(LaneRefusal.HeaderName)
            ? CallOutcome.Answered
            : CallOutcome.ServerError;
    }

    /// <summary>
    /// The outcome of a call that threw <paramref name="exception"/>. Only errors of the connection to the instance
    /// count: a request the client could not send (a header that is not ASCII, a body that threw) or a proxy failing
    /// says nothing about the instance.
    /// </summary>
    public static CallOutcome Of(HttpRequestException exception) => exception.HttpRequestError switch
    {
        HttpRequestError.ConnectionError
            or HttpRequestError.SecureConnectionError
            or HttpRequestError.NameResolutionError
            or HttpRequestError.ResponseEnded
            or HttpRequestError.InvalidResponse
            or HttpRequestError.HttpProtocolError => CallOutcome.TransportFailure,
        _ => CallOutcome.NotAttributable,
    };
}
