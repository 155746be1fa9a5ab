using Lanes.Diagnostics;
using Lanes.Discovery;
using Lanes.Propagation;
using Lanes.Routing;

namespace Lanes;

/// <summary>Options for traffic lanes, bound from the <c>Lanes</c> configuration section and validated on start.</summary>
public sealed class LanesOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Lanes";

    /// <summary>The default path of the Kubernetes downward API file that lists the pod's labels.</summary>
    public const string DefaultPodLabelsPath = "/etc/podinfo/labels";

    /// <summary>
    /// This instance's own lane (<c>Lanes:Lane</c>, or the environment variable <c>Lanes__Lane</c>).
    /// Empty or unset means the lane is taken from the pod's labels, else base.
    /// </summary>
    public string? Lane { get; set; }

    /// <summary>
    /// The file where the Kubernetes downward API exposes the pod's labels; read for
    /// <c>alicloud.service.tag</c> and <c>opensergo.io/canary-&lt;lane&gt;</c> when <see cref="Lane"/> is unset.
    /// </summary>
    /// <value>The default value is <c>/etc/podinfo/labels</c>.</value>
    public string PodLabelsPath { get; set; } = DefaultPodLabelsPath;

    /// <summary>How requests are routed: fallback policies, the base lane, passive health, the route header.</summary>
    public LaneRoutingOptions Routing { get; set; } = new();

    /// <summary>How the lane travels on outbound calls.</summary>
    public LanePropagationOptions Propagation { get; set; } = new();

    /// <summary>How lanes appear in metrics: the cap on distinct values of the <c>lanes.lane</c> attribute.</summary>
    public LaneMetricsOptions Metrics { get; set; } = new();

    /// <summary>
    /// The embedded discovery: instances of each service listed in configuration
    /// (<c>Lanes:Services:&lt;service&gt;:&lt;n&gt;</c> with <c>Url</c>, <c>Lane</c>, <c>Weight</c>).
    /// </summary>
    public Dictionary<string, List<ConfiguredInstanceOptions>> Services { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Values configuration binding could not convert (it silently drops such list entries); reported on validation.</summary>
    internal List<string> BindingErrors { get; } = [];
}
