namespace Lanes.Routing;

/// <summary>Settings of one lane.</summary>
public sealed class LanePolicyOptions
{
    /// <summary>What the lane does when a service has no healthy instance of it.</summary>
    public LaneFallback? Fallback { get; set; }

    /// <summary>
    /// The services the lane's policy applies to (the lane's members, as in ASM or Polaris lane groups); calls to
    /// other services use the default. Empty applies it to every service. Lets a strict lane pass through a service
    /// that has no canary, as B in the seed's A -> B -> C chain.
    /// </summary>
    public List<string> Services { get; } = [];
}
