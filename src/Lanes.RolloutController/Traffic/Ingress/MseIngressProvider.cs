using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary><c>classType: mse</c>: the MSE ingress, which also adds the lane header to canary requests.</summary>
internal sealed class MseIngressProvider(IKubernetes client) : IngressProvider(client)
{
    public const string ClassType = "mse";

    public override string Name => ClassType;

    protected override Dictionary<string, string> CanaryAnnotations(IReadOnlyDictionary<string, string>? current, int weight, TrafficStrategy strategy) =>
        MseCanaryAnnotations.Build(current, weight, strategy.Matches, strategy.RequestHeaderModifier);
}
