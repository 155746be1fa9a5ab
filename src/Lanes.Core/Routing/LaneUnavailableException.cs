namespace Lanes.Routing;

/// <summary>
/// A <see cref="LaneFallback.Strict"/> lane's request found no healthy instance of its lane at a service.
/// The ASP.NET Core edge answers 503 with this message.
/// </summary>
public sealed class LaneUnavailableException : LaneRoutingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="serviceName">The service the request was for.</param>
    /// <param name="lane">The strict lane.</param>
    /// <param name="message">What went wrong, naming service and lane.</param>
    public LaneUnavailableException(string serviceName, Lane lane, string message)
        : base(serviceName, lane, message)
    {
    }
}
