using System.Collections.Concurrent;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// What the API server's audit log records at level <c>Metadata</c>, reduced to the request attributes RBAC decides
/// on: for every resource request that arrives over HTTP, who asked (the authenticated user), the verb, the API group,
/// resource and subresource, the namespace and the object's name, and whether authorization allowed it. Kept as a set
/// of distinct records, so a long run stays small. Set <see cref="EmulatorOptions.Audit"/> to record.
/// </summary>
public sealed class ApiAudit
{
    private readonly ConcurrentDictionary<ApiAuditRecord, byte> _records = new();

    /// <summary>Every distinct request made so far.</summary>
    public IReadOnlyCollection<ApiAuditRecord> Records => [.. _records.Keys];

    /// <summary>The distinct requests <paramref name="user"/> made.</summary>
    public IReadOnlyList<ApiAuditRecord> For(string user) => [.. _records.Keys.Where(r => r.User == user)];

    internal void Record(ApiAuditRecord record) => _records.TryAdd(record, 0);
}

/// <summary>One request's attributes, as an audit event names them (<c>user.username</c>, <c>verb</c>, <c>objectRef</c>).</summary>
/// <param name="User">The authenticated user, e.g. <c>system:serviceaccount:lanes-system:lanes-rollout-controller</c>.</param>
/// <param name="Verb">get, list, watch, create, update, patch or delete.</param>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Resource">The resource (plural), without the subresource.</param>
/// <param name="Subresource">For example <c>status</c>; null for the resource itself.</param>
/// <param name="Namespace">The request's namespace; null for a cluster-scoped resource and for a list or watch across all namespaces.</param>
/// <param name="ClusterScoped">The resource itself is cluster-scoped (CRDs, webhook configurations…).</param>
/// <param name="Name">The object's name when the request names one; null for a list, a watch or a create.</param>
/// <param name="Allowed">Whether authorization allowed it (always true while RBAC is not enforced).</param>
public sealed record ApiAuditRecord(string User, string Verb, string Group, string Resource, string? Subresource, string? Namespace, bool ClusterScoped, string? Name, bool Allowed)
{
    /// <summary>The resource as an RBAC rule names it: <c>rollouts/status</c>.</summary>
    public string RbacResource => Subresource is null ? Resource : Resource + "/" + Subresource;
}
