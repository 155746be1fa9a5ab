namespace Lanes.Routing;

/// <summary>Why a request went to the instance it went to.</summary>
public enum RouteReason
{
    /// <summary>The request carried a lane and went to an instance of that lane.</summary>
    LaneMatched,

    /// <summary>The request carried a lane the service has no instance of; it went to base and kept its lane.</summary>
    FallbackNoLaneInstance,

    /// <summary>The request carried no lane and went to a base instance.</summary>
    Base,
}
