namespace Lanes.Routing;

/// <summary>What a lane's request does at a service with no healthy instance of the lane.</summary>
public enum LaneFallback
{
    /// <summary>Go to base and keep the lane, so the next hop can re-enter it (MSE's behaviour).</summary>
    Loose,

    /// <summary>Fail the call with <see cref="LaneUnavailableException"/> (a 503 at the ASP.NET Core edge).</summary>
    Strict,
}
