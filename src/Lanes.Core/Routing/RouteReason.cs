namespace Lanes.Routing;

/// <summary>Why a request went to the instance it went to, or was refused.</summary>
public enum RouteReason
{
    /// <summary>The request carried no lane and went to a base instance.</summary>
    Base,

    /// <summary>The request carried a lane and went to a healthy instance of that lane.</summary>
    LaneMatched,

    /// <summary>The service has no instance of the request's lane; it went to base and kept its lane.</summary>
    FallbackNoLaneInstance,

    /// <summary>The service's instances of the lane are all unhealthy or ejected; it went to base and kept its lane.</summary>
    FallbackLaneUnhealthy,

    /// <summary>The lane is strict and the service has no healthy instance of it: the call was refused.</summary>
    StrictRejection,
}
