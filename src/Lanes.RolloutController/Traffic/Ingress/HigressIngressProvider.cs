using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary><c>classType: higress</c>: Higress reads the ingress-nginx canary annotations (Kruise's higress.lua).</summary>
internal sealed class HigressIngressProvider(IKubernetes client) : IngressProvider(client)
{
    public const string ClassType = "higress";

    public override string Name => ClassType;

    protected override Dictionary<string, string> CanaryAnnotations(IReadOnlyDictionary<string, string>? current, int weight, TrafficStrategy strategy) =>
        NginxCanaryAnnotations.Build(current, weight, strategy.Matches);
}
