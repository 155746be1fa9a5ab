namespace Lanes.Kubernetes.Emulator;

/// <summary>A resource collection: API group (empty for core) and plural name. Versions share storage.</summary>
public readonly record struct ResourceType(string Group, string Plural)
{
    public static ResourceType Deployments { get; } = new("apps", "deployments");
    public static ResourceType ReplicaSets { get; } = new("apps", "replicasets");
    public static ResourceType Pods { get; } = new("", "pods");
    public static ResourceType Leases { get; } = new("coordination.k8s.io", "leases");
    public static ResourceType Rollouts { get; } = new("rollouts.kruise.io", "rollouts");
    public static ResourceType TrafficRoutings { get; } = new("rollouts.kruise.io", "trafficroutings");
    public static ResourceType Services { get; } = new("", "services");
    public static ResourceType EndpointSlices { get; } = new("discovery.k8s.io", "endpointslices");
    public static ResourceType ServiceAccounts { get; } = new("", "serviceaccounts");
    public static ResourceType Roles { get; } = new("rbac.authorization.k8s.io", "roles");
    public static ResourceType RoleBindings { get; } = new("rbac.authorization.k8s.io", "rolebindings");
    public static ResourceType ClusterRoles { get; } = new("rbac.authorization.k8s.io", "clusterroles");
    public static ResourceType ClusterRoleBindings { get; } = new("rbac.authorization.k8s.io", "clusterrolebindings");

    public static ResourceType ConfigMaps { get; } = new("", "configmaps");
    public static ResourceType Events { get; } = new("", "events");
    public static ResourceType Ingresses { get; } = new("networking.k8s.io", "ingresses");
    public static ResourceType HttpRoutes { get; } = new("gateway.networking.k8s.io", "httproutes");
    public static ResourceType PodDisruptionBudgets { get; } = new("policy", "poddisruptionbudgets");
    /// <summary>The collection of a manifest's <c>apiVersion</c> and <c>kind</c> (Kubernetes' plural of the kind).</summary>
    public static ResourceType Of(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var lower = kind.ToLowerInvariant();
        var plural = lower switch
        {
            "endpoints" => lower,
            _ when lower.EndsWith('s') => lower + "es",
            _ when lower.EndsWith('y') && lower.Length > 1 && !"aeiou".Contains(lower[^2], StringComparison.Ordinal) => lower[..^1] + "ies",
            _ => lower + "s",
        };
        return new ResourceType(group, plural);
    }

    /// <summary>The kind used in list responses when no stored object names it.</summary>
    public string GuessKind()
    {
        var singular = Plural switch
        {
            "replicasets" => "ReplicaSet",
            "trafficroutings" => "TrafficRouting",
            "endpointslices" => "EndpointSlice",
            "configmaps" => "ConfigMap",
            "services" => "Service",
            "ingresses" => "Ingress",
            "httproutes" => "HTTPRoute",
            _ => null,
        };
        if (singular is not null)
        {
            return singular;
        }

        var name = Plural.EndsWith('s') ? Plural[..^1] : Plural;
        return char.ToUpperInvariant(name[0]) + name[1..];
    }
}
