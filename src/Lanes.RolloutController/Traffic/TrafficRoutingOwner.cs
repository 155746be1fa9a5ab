using k8s.Models;

namespace Lanes.RolloutController.Traffic;

/// <summary>The object a route change is made for: a Rollout (its own trafficRoutings) or a shared TrafficRouting.</summary>
/// <param name="ApiVersion">For example <c>rollouts.kruise.io/v1beta1</c>.</param>
/// <param name="Kind"><c>Rollout</c> or <c>TrafficRouting</c>.</param>
/// <param name="Name">The owner's name.</param>
/// <param name="Uid">The owner's uid, for owner references.</param>
internal sealed record TrafficRoutingOwner(string ApiVersion, string Kind, string Name, string Uid)
{
    /// <summary>A controller owner reference, so what the release creates is collected with its owner.</summary>
    public V1OwnerReference ToOwnerReference() => new()
    {
        ApiVersion = ApiVersion,
        Kind = Kind,
        Name = Name,
        Uid = Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>Whether <paramref name="references"/> make this owner the controller.</summary>
    public bool Controls(IEnumerable<V1OwnerReference>? references) =>
        references?.Any(r => r.Controller == true && r.Uid == Uid) == true;

    /// <inheritdoc />
    public override string ToString() => Kind + " " + Name;
}
