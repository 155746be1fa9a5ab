using System.Globalization;
using Microsoft.Extensions.Configuration;

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

    /// <summary>
    /// The share of matching traffic, 0 to 100, that enters the lane. With <see cref="HashKey"/> the choice is sticky:
    /// the same key (a user id header, a session cookie) always gets the same answer. Unset means all matching traffic.
    /// </summary>
    public double? Percent { get; set; }

    /// <summary>What a <see cref="Percent"/> rule hashes so a user stays in the same lane; without one each request is drawn anew.</summary>
    public EntryHashKeyOptions HashKey { get; set; } = new();

    /// <summary>
    /// Alternatives (OR); each matches when all of its conditions match (AND). May be empty only in a
    /// <see cref="Percent"/> rule, which then applies to all traffic.
    /// </summary>
    public List<EntryMatchOptions> Matches { get; } = [];

    /// <summary>Headers set, added or removed on matching requests before they are handled and forwarded.</summary>
    public HeaderModifierOptions RequestHeaderModifier { get; set; } = new();

    /// <summary>Names percentages configuration binding would drop silently (list entries it cannot convert).</summary>
    internal static void CheckBinding(IConfigurationSection rules, List<string> errors)
    {
        foreach (var rule in rules.GetChildren())
        {
            var percent = rule.GetSection(nameof(Percent));
            if (percent.Value is { Length: > 0 } text && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{percent.Path}: '{text}' is not a number between 0 and 100.");
            }
        }
    }
}
