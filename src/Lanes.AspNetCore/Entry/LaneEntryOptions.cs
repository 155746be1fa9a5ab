namespace Lanes.AspNetCore.Entry;

/// <summary>
/// Entry rules for a service that receives outside traffic (<c>Lanes:Entry</c>): which requests enter
/// which lane. Each rule has the shape of Kruise Rollouts' <c>TrafficRouting</c> strategy, so the
/// seed's rule (<c>User-Agent: xiaoming</c> gets <c>x-mse-tag: gray</c>) reads the same here.
/// </summary>
public sealed class LaneEntryOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Lanes:Entry";

    /// <summary>The rules, tried in order; the first that matches applies.</summary>
    public List<EntryRuleOptions> Rules { get; } = [];

    /// <summary>Values configuration binding could not convert; reported on validation.</summary>
    internal List<string> BindingErrors { get; } = [];
}
