namespace Lanes.Discovery;

/// <summary>One instance of a service in the embedded discovery (<c>Lanes:Services:&lt;service&gt;:&lt;n&gt;</c>).</summary>
public sealed class ConfiguredInstanceOptions
{
    /// <summary>The instance's absolute http or https base address, for example <c>http://127.0.0.1:5001</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The instance's lane; empty or <c>base</c> for the baseline.</summary>
    public string? Lane { get; set; }

    /// <summary>Relative share of traffic, 0 to 10000; 0 receives none.</summary>
    /// <value>The default value is 1.</value>
    public double Weight { get; set; } = 1;

    /// <summary>Whether the instance may receive traffic.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Healthy { get; set; } = true;
}
