namespace Lanes.RolloutController.Api;

/// <summary>Ingress routing.</summary>
internal sealed class IngressTrafficRouting
{
    /// <summary><c>nginx</c> (default), <c>mse</c>, <c>higress</c>, <c>aliyun-alb</c>.</summary>
    public string? ClassType { get; set; }

    /// <summary>Name of the stable Ingress.</summary>
    public string Name { get; set; } = "";
}
