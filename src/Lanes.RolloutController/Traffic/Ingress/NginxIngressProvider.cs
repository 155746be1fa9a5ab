using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary><c>classType: nginx</c> (the default): ingress-nginx canary annotations.</summary>
internal class NginxIngressProvider(IKubernetes client) : IngressProvider(client)
{
    public const string ClassType = "nginx";

    public override string Name => ClassType;

    protected override Dictionary<string, string> CanaryAnnotations(IReadOnlyDictionary<string, string>? current, int weight, TrafficStrategy strategy) =>
        NginxCanaryAnnotations.Build(current, weight, strategy.Matches);
}
