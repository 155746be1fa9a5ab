namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The built-in types this emulator serves, with their versions, scope and status subresource as the API reference
/// lists them (https://kubernetes.io/docs/reference/kubernetes-api/). Gateway API's HTTPRoute is not here: on a
/// real cluster it comes from a CRD.
/// </summary>
internal static class BuiltInResources
{
    public static IReadOnlyList<ResourceDefinition> All { get; } =
    [
        Define("", "v1", "pods", "Pod", namespaced: true, status: true, "po"),
        Define("", "v1", "services", "Service", namespaced: true, status: true, "svc"),
        Define("", "v1", "configmaps", "ConfigMap", namespaced: true, status: false, "cm"),
        Define("", "v1", "secrets", "Secret", namespaced: true, status: false),
        Define("", "v1", "serviceaccounts", "ServiceAccount", namespaced: true, status: false, "sa"),
        Define("", "v1", "events", "Event", namespaced: true, status: false, "ev"),
        Define("", "v1", "endpoints", "Endpoints", namespaced: true, status: false, "ep"),
        Define("", "v1", "namespaces", "Namespace", namespaced: false, status: true, "ns"),
        Define("", "v1", "nodes", "Node", namespaced: false, status: true, "no"),
        Define("apps", "v1", "deployments", "Deployment", namespaced: true, status: true, "deploy"),
        Define("apps", "v1", "replicasets", "ReplicaSet", namespaced: true, status: true, "rs"),
        Define("apps", "v1", "statefulsets", "StatefulSet", namespaced: true, status: true, "sts"),
        Define("apps", "v1", "daemonsets", "DaemonSet", namespaced: true, status: true, "ds"),
        Define("coordination.k8s.io", "v1", "leases", "Lease", namespaced: true, status: false),
        Define("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", namespaced: true, status: false),
        Define("events.k8s.io", "v1", "events", "Event", namespaced: true, status: false, "ev"),
        Define("networking.k8s.io", "v1", "ingresses", "Ingress", namespaced: true, status: true, "ing"),
        Define("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", namespaced: true, status: true, "pdb"),
        Define("rbac.authorization.k8s.io", "v1", "roles", "Role", namespaced: true, status: false),
        Define("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", namespaced: true, status: false),
        Define("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced: false, status: false),
        Define("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false, status: false),
        Define("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", namespaced: false, status: false),
        Define("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false, status: true, "crd", "crds"),
        Define("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", namespaced: false, status: false),
        Define("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", namespaced: false, status: false),
    ];

    private static ResourceDefinition Define(string group, string version, string plural, string kind, bool namespaced, bool status, params string[] shortNames) =>
        new(group, plural, kind.ToLowerInvariant(), kind, namespaced, shortNames, [new ResourceVersionDefinition(version, Served: true, Storage: true, status, PrinterColumns: null, Schema: null)], IsCustom: false);
}
