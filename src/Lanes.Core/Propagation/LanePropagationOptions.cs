namespace Lanes.Propagation;

/// <summary>How the lane is carried between services (<c>Lanes:Propagation</c>).</summary>
public sealed class LanePropagationOptions
{
    /// <summary>The header MSE and Kruise Rollouts' TrafficRouting use for the lane.</summary>
    public const string DefaultHeaderName = "x-mse-tag";

    /// <summary>The W3C baggage header name.</summary>
    public const string BaggageHeaderName = "baggage";

    /// <summary>The request header that carries the lane.</summary>
    /// <value>The default value is <c>x-mse-tag</c>.</value>
    public string HeaderName { get; set; } = DefaultHeaderName;

    /// <summary>
    /// The W3C baggage member that also carries the lane, so tracing-aware hops that drop unknown
    /// headers still pass it on. Empty disables the baggage member.
    /// </summary>
    /// <value>The default value is <c>x-mse-tag</c>.</value>
    public string BaggageKey { get; set; } = DefaultHeaderName;

    /// <summary>Detection (and optional repair) of outbound calls that lose the lane.</summary>
    public LaneBreakOptions BreakDetection { get; set; } = new();
}
