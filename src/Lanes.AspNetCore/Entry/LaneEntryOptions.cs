namespace Lanes.AspNetCore.Entry;

/// <summary>
/// The entry of a service that receives outside traffic (<c>Lanes:Entry</c>): which requests enter which lane,
/// where rules come from and who may choose a lane. Each rule has the shape of Kruise Rollouts' <c>TrafficRouting</c>
/// strategy, so the seed's rule (<c>User-Agent: xiaoming</c> gets <c>x-mse-tag: gray</c>) reads the same here.
/// </summary>
public sealed class LaneEntryOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Lanes:Entry";

    /// <summary>The longest request header value accepted at the entry, in characters (8 KiB).</summary>
    public const int DefaultMaxHeaderLength = 8192;

    /// <summary>
    /// Whether this application is the entry: it applies the rules and removes lanes chosen by untrusted clients.
    /// Unset means yes when rules or a rules directory are configured or the app is a lane-aware YARP gateway.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The rules, tried in order before the rules of <see cref="RulesDirectory"/>; the first that matches applies.</summary>
    public List<EntryRuleOptions> Rules { get; } = [];

    /// <summary>
    /// A directory of rules files, one Kruise <c>TrafficRouting</c> <c>spec.strategy</c> per <c>*.json</c>, <c>*.yaml</c>
    /// or <c>*.yml</c> file, applied in file name order and reloaded while the app runs (a mounted ConfigMap works).
    /// </summary>
    public string? RulesDirectory { get; set; }

    /// <summary>How often the rules directory is checked for changes besides file system notifications.</summary>
    /// <value>The default value is 500 ms.</value>
    public TimeSpan RulesPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Peers (CIDRs such as <c>10.0.0.0/8</c>, or single addresses) whose lane header and baggage are kept: a proxy in
    /// front that already chose the lane. The peer is <c>HttpContext.Connection.RemoteIpAddress</c>, so with
    /// <c>UseForwardedHeaders()</c> before <c>UseTrafficLanes()</c> it is the client the forwarded headers name.
    /// </summary>
    public List<string> TrustedProxies { get; } = [];

    /// <summary>The lanes a lane token or a trusted proxy may open; empty allows every lane.</summary>
    public List<string> AllowedLanes { get; } = [];

    /// <summary>Lane tokens: signed permission for a tester to enter a lane from outside.</summary>
    public LaneTokenOptions Tokens { get; set; } = new();

    /// <summary>The longest request header value accepted; a longer one is refused with 431 before any rule runs.</summary>
    /// <value>The default value is 8192.</value>
    public int MaxHeaderLength { get; set; } = DefaultMaxHeaderLength;

    /// <summary>Values configuration binding could not convert; reported on validation.</summary>
    internal List<string> BindingErrors { get; } = [];
}
