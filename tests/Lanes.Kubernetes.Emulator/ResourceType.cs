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
    public static ResourceType ConfigMaps { get; } = new("", "configmaps");
    public static ResourceType Events { get; } = new("", "events");
    public static ResourceType Ingresses { get; } = new("networking.k8s.io", "ingresses");
    public static ResourceType HttpRoutes { get; } = new("gateway.networking.k8s.io", "httproutes");

    /// <summary>The kind used in list responses when no stored object names it.</summary>
    public string GuessKind()
    {
        var singular = Plural switch
        {
            "replicasets" => "ReplicaSet",
            "trafficroutings" => "TrafficRouting",
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
