using k8s;
using k8s.Models;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary>
/// Builds <c>&lt;ingress&gt;-canary</c> from the stable Ingress as Kruise does: same labels, annotations, class and TLS,
/// and only the rules and paths whose backend is the stable Service, pointed at the canary Service.
/// </summary>
internal static class CanaryIngress
{
    public static string NameFor(string ingress) => ingress + "-canary";

    /// <summary>The canary Ingress, or <see langword="null"/> when no path of the stable Ingress uses the stable Service.</summary>
    public static V1Ingress? Build(V1Ingress stable, TrafficRoutingRequest request)
    {
        var rules = new List<V1IngressRule>();
        foreach (var rule in stable.Spec?.Rules ?? [])
        {
            var paths = new List<V1HTTPIngressPath>();
            foreach (var path in rule.Http?.Paths ?? [])
            {
                if (path.Backend?.Service?.Name != request.StableService)
                {
                    continue;
                }

                var copy = Clone(path);
                copy.Backend.Service.Name = request.CanaryService;
                paths.Add(copy);
            }

            if (paths.Count > 0)
            {
                rules.Add(new V1IngressRule { Host = rule.Host, Http = new V1HTTPIngressRuleValue { Paths = paths } });
            }
        }

        if (rules.Count == 0)
        {
            return null;
        }

        return new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = new V1ObjectMeta
            {
                Name = NameFor(stable.Metadata.Name),
                NamespaceProperty = stable.Metadata.NamespaceProperty,
                Labels = stable.Metadata.Labels is null ? null : new Dictionary<string, string>(stable.Metadata.Labels),
                Annotations = stable.Metadata.Annotations is null ? null : new Dictionary<string, string>(stable.Metadata.Annotations),
                OwnerReferences = [request.Owner.ToOwnerReference()],
            },
            Spec = new V1IngressSpec
            {
                IngressClassName = stable.Spec!.IngressClassName,
                Tls = stable.Spec.Tls is null ? null : stable.Spec.Tls.Select(Clone).ToList(),
                Rules = rules,
            },
        };
    }

    /// <summary>Whether the canary's routing spec (class, TLS, rules) equals the one built from the stable Ingress.</summary>
    public static bool SameSpec(V1Ingress canary, V1Ingress desired) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(SpecOf(canary))),
            System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(SpecOf(desired))));

    private static V1IngressSpec SpecOf(V1Ingress ingress) => new()
    {
        IngressClassName = ingress.Spec?.IngressClassName,
        Tls = ingress.Spec?.Tls is { Count: > 0 } tls ? tls : null,
        Rules = ingress.Spec?.Rules,
    };

    private static T Clone<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
