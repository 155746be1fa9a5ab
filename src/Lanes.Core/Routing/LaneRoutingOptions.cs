using Microsoft.Extensions.Configuration;

namespace Lanes.Routing;

/// <summary>How requests are routed to lanes (<c>Lanes:Routing</c>).</summary>
public sealed class LaneRoutingOptions
{
    /// <summary>
    /// The lane name that counts as base: instances registered with it serve base traffic and requests
    /// carrying it are base requests. Empty means only untagged instances and requests are base.
    /// </summary>
    public string? BaseLane { get; set; }

    /// <summary>What a lane does when a service has no healthy instance of it, unless the lane says otherwise.</summary>
    /// <value>The default value is <see cref="LaneFallback.Loose"/>.</value>
    public LaneFallback DefaultFallback { get; set; } = LaneFallback.Loose;

    /// <summary>Per-lane settings, by lane name (<c>Lanes:Routing:Lanes:gray:Fallback</c>).</summary>
    public Dictionary<string, LanePolicyOptions> Lanes { get; } = new(StringComparer.Ordinal);

    /// <summary>Passive health: instances that fail are taken out of rotation for a while.</summary>
    public PassiveHealthOptions PassiveHealth { get; set; } = new();

    /// <summary>
    /// Adds a <c>lanes-route</c> response header listing, hop by hop, which instance each call went to and
    /// why, so a user can see where a request left its lane. Off by default: it reveals topology.
    /// </summary>
    public bool RouteHeader { get; set; }

    /// <summary>Names per-lane fallback values configuration binding would drop silently (dictionary entries it cannot convert).</summary>
    internal static void CheckBinding(IConfigurationSection lanes, List<string> errors)
    {
        foreach (var lane in lanes.GetChildren())
        {
            var fallback = lane.GetSection(nameof(LanePolicyOptions.Fallback));
            if (fallback.Value is { } text && !Enum.TryParse<LaneFallback>(text, ignoreCase: true, out _))
            {
                errors.Add($"{fallback.Path}: '{text}' is not a fallback policy; use 'Loose' or 'Strict'.");
            }
        }
    }
}
