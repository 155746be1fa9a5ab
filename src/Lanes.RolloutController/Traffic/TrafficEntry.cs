namespace Lanes.RolloutController.Traffic;

/// <summary>One entry object named by a traffic routing reference.</summary>
/// <param name="Kind">Which field named it.</param>
/// <param name="Name">The object's name (for <c>classType: lanes</c>, the gateway's name).</param>
/// <param name="ClassType">For Ingress: the class type, <c>nginx</c> when the reference leaves it empty.</param>
/// <param name="ApiVersion">For custom references: the object's apiVersion.</param>
/// <param name="ObjectKind">For custom references: the object's kind.</param>
/// <param name="RefField">The traffic routing reference that names it, for messages, e.g. <c>spec.objectRef[0]</c>.</param>
/// <param name="Field">Where the reference names it, e.g. <c>spec.objectRef[0].ingress</c>.</param>
internal sealed record TrafficEntry(TrafficEntryKind Kind, string Name, string? ClassType, string? ApiVersion, string? ObjectKind, string RefField, string Field)
{
    /// <summary>The field that names the stable Service, e.g. <c>spec.objectRef[0].service</c>.</summary>
    public string ServiceField => RefField + ".service";

    /// <summary>How users name it: <c>ingress classType "mse"</c>, <c>HTTPRoute</c>, <c>networking.istio.io/v1 VirtualService</c>.</summary>
    public string Describe() => Kind switch
    {
        TrafficEntryKind.Ingress => $"ingress classType \"{ClassType}\"",
        TrafficEntryKind.HttpRoute => "gateway.httpRouteName",
        _ => $"customNetworkRef {ApiVersion} {ObjectKind}",
    };
}
