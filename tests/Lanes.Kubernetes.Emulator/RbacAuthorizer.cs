using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Kubernetes RBAC over the stored Roles, RoleBindings, ClusterRoles and ClusterRoleBindings: a request is allowed
/// when a binding in its namespace (or a cluster binding) names the user, one of its groups or its service account,
/// and the bound role has a rule matching the API group, resource (with its subresource, <c>rollouts/status</c>) and
/// verb, and, when the rule lists <c>resourceNames</c>, the object's name (so a rule with names never allows a create,
/// or a list or watch of more than that object). Nothing is allowed otherwise
/// (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources).
/// </summary>
internal sealed class RbacAuthorizer(ResourceStore store)
{
    public const string Admin = "system:admin";
    public const string Anonymous = "system:anonymous";

    public bool IsAllowed(string user, string verb, string group, string resource, string? ns, string? name = null)
    {
        if (user == Admin)
        {
            return true;
        }

        var groups = GroupsOf(user);
        foreach (var binding in store.List(ResourceType.ClusterRoleBindings, null).Items)
        {
            if (Binds(binding, user, groups, bindingNamespace: null) && RoleAllows(binding, null, verb, group, resource, name))
            {
                return true;
            }
        }

        if (ns is null)
        {
            return false;
        }

        foreach (var binding in store.List(ResourceType.RoleBindings, ns).Items)
        {
            if (Binds(binding, user, groups, ns) && RoleAllows(binding, ns, verb, group, resource, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The message a real API server gives when it refuses.</summary>
    public static string Refusal(string user, string verb, string group, string resource, string? ns, string? name = null)
    {
        var qualified = (group.Length == 0 ? resource : resource + "." + group) + (name is null ? "" : $" \"{name}\"");
        var where = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        return $"{qualified} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {where}";
    }

    private static string[] GroupsOf(string user)
    {
        const string Prefix = "system:serviceaccount:";
        if (user.StartsWith(Prefix, StringComparison.Ordinal) && user[Prefix.Length..].Split(':') is [var ns, _])
        {
            return ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"];
        }

        return user == Anonymous ? ["system:unauthenticated"] : ["system:authenticated"];
    }

    private static bool Binds(JsonObject binding, string user, string[] groups, string? bindingNamespace)
    {
        foreach (var subject in binding["subjects"] as JsonArray ?? [])
        {
            var kind = subject?["kind"]?.GetValue<string>();
            var name = subject?["name"]?.GetValue<string>();
            var matched = kind switch
            {
                "User" => name == user,
                "Group" => groups.Contains(name),
                "ServiceAccount" => user == $"system:serviceaccount:{subject?["namespace"]?.GetValue<string>() ?? bindingNamespace}:{name}",
                _ => false,
            };
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    private bool RoleAllows(JsonObject binding, string? ns, string verb, string group, string resource, string? name)
    {
        var kind = binding["roleRef"]?["kind"]?.GetValue<string>();
        var roleName = binding["roleRef"]?["name"]?.GetValue<string>() ?? "";
        var role = kind == "ClusterRole"
            ? store.Get(new StoredObjectKey(ResourceType.ClusterRoles, "", roleName))
            : ns is null ? null : store.Get(new StoredObjectKey(ResourceType.Roles, ns, roleName));
        foreach (var rule in role?["rules"] as JsonArray ?? [])
        {
            if (Has(rule?["apiGroups"], group) && Has(rule?["resources"], resource) && Has(rule?["verbs"], verb) && NameMatches(rule?["resourceNames"], name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NameMatches(JsonNode? resourceNames, string? name) =>
        resourceNames is not JsonArray { Count: > 0 } names || (name is not null && names.Any(n => n?.GetValue<string>() == name));

    private static bool Has(JsonNode? list, string value) =>
        list is JsonArray items && items.Any(i => i?.GetValue<string>() is { } item && (item == "*" || item == value));
}
