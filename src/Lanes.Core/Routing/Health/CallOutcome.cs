namespace Lanes.Routing.Health;

/// <summary>What one call to an instance says about that instance's health.</summary>
internal enum CallOutcome
{
    /// <summary>The instance answered (any status that is not a counted failure).</summary>
    Answered,

    /// <summary>The instance answered 5xx on its own account (not a refusal Lanes answered for a hop further down).</summary>
    ServerError,

    /// <summary>The instance could not be reached, or broke the connection before answering.</summary>
    TransportFailure,

    /// <summary>The call failed for a reason that says nothing about the instance (a request that could not be sent, a cancellation).</summary>
    NotAttributable,
}
