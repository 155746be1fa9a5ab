namespace Lanes.Routing;

/// <summary>Settings of one lane.</summary>
public sealed class LanePolicyOptions
{
    /// <summary>What the lane does when a service has no healthy instance of it.</summary>
    public LaneFallback? Fallback { get; set; }
}
