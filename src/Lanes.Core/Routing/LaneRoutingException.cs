namespace Lanes.Routing;

/// <summary>A request could not be routed: the service is unknown, or has no instance the request's lane may use.</summary>
public class LaneRoutingException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="serviceName">The service the request was for.</param>
    /// <param name="lane">The lane the request carried.</param>
    /// <param name="message">What went wrong, naming service and lane.</param>
    /// <param name="innerException">The discovery failure behind it, if any.</param>
    public LaneRoutingException(string serviceName, Lane lane, string message, Exception? innerException = null)
        : base(HttpRequestError.NameResolutionError, message, innerException)
    {
        ServiceName = serviceName;
        Lane = lane;
    }

    /// <summary>The service the request was for.</summary>
    public string ServiceName { get; }

    /// <summary>The lane the request carried.</summary>
    public Lane Lane { get; }
}
