namespace Lanes.RolloutController.Api;

/// <summary>One canary step.</summary>
internal sealed class CanaryStep
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
