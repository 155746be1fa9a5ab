namespace Lanes.AspNetCore.Entry;

/// <summary>One entry rule: when any of <see cref="Matches"/> matches, the request enters the lane and its headers are modified.</summary>
public sealed class EntryRuleOptions
{
    /// <summary>A name for logs; defaults to the rule's position.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// The lane matching requests enter. When unset, the lane is the value <see cref="RequestHeaderModifier"/>
    /// sets on the lane header (<c>x-mse-tag</c> by default), as in a Kruise <c>TrafficRouting</c>.
    /// </summary>
    public string? Lane { get; set; }

    /// <summary>Alternatives (OR); each matches when all of its conditions match (AND).</summary>
    public List<EntryMatchOptions> Matches { get; } = [];

    /// <summary>Headers set, added or removed on matching requests before they are handled and forwarded.</summary>
    public HeaderModifierOptions RequestHeaderModifier { get; set; } = new();
}
