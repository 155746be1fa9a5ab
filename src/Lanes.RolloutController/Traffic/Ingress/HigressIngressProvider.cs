using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary><c>classType: higress</c>: Higress reads the ingress-nginx canary annotations (Kruise's higress.lua).</summary>
internal sealed class HigressIngressProvider(IKubernetes client) : NginxIngressProvider(client)
{
    public new const string ClassType = "higress";

    public override string Name => ClassType;
}
