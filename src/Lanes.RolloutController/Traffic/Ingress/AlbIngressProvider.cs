using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary><c>classType: aliyun-alb</c>: Alibaba Cloud ALB's canary annotations, with the canary rule first (Kruise's aliyun-alb.lua).</summary>
internal sealed class AlbIngressProvider(IKubernetes client) : IngressProvider(client)
{
    public const string ClassType = "aliyun-alb";

    public override string Name => ClassType;

    internal static Dictionary<string, string> Annotations(IReadOnlyDictionary<string, string>? current, int weight, IReadOnlyList<Api.HttpRouteMatch>? matches)
    {
        var annotations = NginxCanaryAnnotations.Build(current, weight, matches, NginxCanaryAnnotations.AlbPrefix);
        annotations[NginxCanaryAnnotations.AlbPrefix + "order"] = "1";
        return annotations;
    }

    protected override Dictionary<string, string> CanaryAnnotations(IReadOnlyDictionary<string, string>? current, int weight, TrafficStrategy strategy) =>
        Annotations(current, weight, strategy.Matches);
}
