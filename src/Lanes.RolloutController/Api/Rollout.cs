using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>A <c>rollouts.kruise.io/v1beta1</c> Rollout, the form the controller works on.</summary>
public sealed class Rollout
{
    /// <summary>Always <c>rollouts.kruise.io/v1beta1</c> after conversion.</summary>
    public string ApiVersion { get; set; } = KruiseNames.Group + "/" + KruiseNames.V1Beta1;

    /// <summary>Always <c>Rollout</c>.</summary>
    public string Kind { get; set; } = "Rollout";

    /// <summary>Object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired behaviour.</summary>
    public RolloutSpec Spec { get; set; } = new();

    /// <summary>Observed state, written by the controller.</summary>
    public RolloutStatus? Status { get; set; }
}

/// <summary>Spec of a v1beta1 Rollout.</summary>
public sealed class RolloutSpec
{
    /// <summary>The workload to release; only <c>apps/v1 Deployment</c> is supported.</summary>
    public WorkloadRef? WorkloadRef { get; set; }

    /// <summary>Stops managing the workload.</summary>
    public bool Disabled { get; set; }

    /// <summary>How to release.</summary>
    public RolloutStrategy Strategy { get; set; } = new();
}

/// <summary>Reference to a workload in the Rollout's namespace.</summary>
public sealed class WorkloadRef
{
    /// <summary>For example <c>apps/v1</c>.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>For example <c>Deployment</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>Name of the workload.</summary>
    public string? Name { get; set; }
}

/// <summary>Release strategy; canary and blue-green exclude each other.</summary>
public sealed class RolloutStrategy
{
    /// <summary>Pauses the whole release.</summary>
    public bool Paused { get; set; }

    /// <summary>Canary release in steps.</summary>
    public CanaryStrategy? Canary { get; set; }

    /// <summary>Blue-green release; kept so it can be reported as unsupported.</summary>
    public System.Text.Json.Nodes.JsonObject? BlueGreen { get; set; }
}

/// <summary>Canary strategy.</summary>
public sealed class CanaryStrategy
{
    /// <summary>The steps, run in order.</summary>
    public List<CanaryStep> Steps { get; set; } = [];

    /// <summary>Traffic routing owned by this Rollout (at most one).</summary>
    public List<TrafficRoutingRef>? TrafficRoutings { get; set; }

    /// <summary>How many canary pods may be unready and still count the step as ready.</summary>
    public IntOrPercent? FailureThreshold { get; set; }

    /// <summary>Labels and annotations merged into the canary pod template (the lane labels).</summary>
    public PatchPodTemplateMetadata? PatchPodTemplateMetadata { get; set; }

    /// <summary>True: canary style (an extra Deployment). False: partition style.</summary>
    public bool EnableExtraWorkloadForCanary { get; set; }

    /// <summary>Name of a shared TrafficRouting (Kruise honours only the annotation; Lanes reads both).</summary>
    public string? TrafficRoutingRef { get; set; }

    /// <summary>Do not create a <c>-canary</c> Service.</summary>
    public bool DisableGenerateCanaryService { get; set; }
}

/// <summary>One canary step.</summary>
public sealed class CanaryStep
{
    /// <summary>Traffic share such as <c>"50%"</c>.</summary>
    public string? Traffic { get; set; }

    /// <summary>Requests that go to the canary whatever the traffic share.</summary>
    public List<HttpRouteMatch>? Matches { get; set; }

    /// <summary>Headers rewritten on canary traffic.</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }

    /// <summary>Canary replicas: a count or a percentage of the stable replicas.</summary>
    public IntOrPercent? Replicas { get; set; }

    /// <summary>Pause after the step; no duration means manual approval.</summary>
    public RolloutPause? Pause { get; set; }
}

/// <summary>Pause of a step.</summary>
public sealed class RolloutPause
{
    /// <summary>Seconds to wait; <see langword="null"/> waits for approval.</summary>
    public int? Duration { get; set; }
}

/// <summary>A request match (Gateway API shape).</summary>
public sealed class HttpRouteMatch
{
    /// <summary>Path match.</summary>
    public HttpPathMatch? Path { get; set; }

    /// <summary>Header matches, all of which must hold.</summary>
    public List<HttpValueMatch>? Headers { get; set; }

    /// <summary>Query parameter matches.</summary>
    public List<HttpValueMatch>? QueryParams { get; set; }
}

/// <summary>Path match.</summary>
public sealed class HttpPathMatch
{
    /// <summary><c>Exact</c>, <c>PathPrefix</c> or <c>RegularExpression</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The path.</summary>
    public string? Value { get; set; }
}

/// <summary>Header or query parameter match.</summary>
public sealed class HttpValueMatch
{
    /// <summary><c>Exact</c> (default) or <c>RegularExpression</c>.</summary>
    public string? Type { get; set; }

    /// <summary>Header or parameter name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Value or pattern.</summary>
    public string Value { get; set; } = "";
}

/// <summary>Gateway API HTTPHeaderFilter.</summary>
public sealed class HttpHeaderFilter
{
    /// <summary>Headers to set.</summary>
    public List<HttpHeader>? Set { get; set; }

    /// <summary>Headers to add.</summary>
    public List<HttpHeader>? Add { get; set; }

    /// <summary>Header names to remove.</summary>
    public List<string>? Remove { get; set; }
}

/// <summary>A header name and value.</summary>
public sealed class HttpHeader
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Value.</summary>
    public string Value { get; set; } = "";
}

/// <summary>Labels and annotations merged into the canary pod template.</summary>
public sealed class PatchPodTemplateMetadata
{
    /// <summary>Annotations.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Labels, for example <c>alicloud.service.tag: gray</c>.</summary>
    public Dictionary<string, string>? Labels { get; set; }
}

/// <summary>Where traffic is routed: a Service plus an Ingress, a Gateway route or custom objects.</summary>
public sealed class TrafficRoutingRef
{
    /// <summary>The stable Service.</summary>
    public string Service { get; set; } = "";

    /// <summary>Seconds to wait after a traffic change (default 3).</summary>
    public int? GracePeriodSeconds { get; set; }

    /// <summary>Ingress to copy into <c>&lt;name&gt;-canary</c>.</summary>
    public IngressTrafficRouting? Ingress { get; set; }

    /// <summary>Gateway API route.</summary>
    public GatewayTrafficRouting? Gateway { get; set; }

    /// <summary>Objects changed by custom providers.</summary>
    public List<WorkloadRef>? CustomNetworkRefs { get; set; }
}

/// <summary>Ingress routing.</summary>
public sealed class IngressTrafficRouting
{
    /// <summary><c>nginx</c> (default), <c>mse</c>, <c>higress</c>, <c>aliyun-alb</c>.</summary>
    public string? ClassType { get; set; }

    /// <summary>Name of the stable Ingress.</summary>
    public string Name { get; set; } = "";
}

/// <summary>Gateway API routing.</summary>
public sealed class GatewayTrafficRouting
{
    /// <summary>Name of the HTTPRoute.</summary>
    public string? HttpRouteName { get; set; }
}
