using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>Knobs of the emulator and its simulated controllers.</summary>
public sealed class EmulatorOptions
{
    /// <summary>Clock for pod readiness and timestamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// How long after creation a pod becomes ready; <see langword="null"/> means never (a crash-looping image).
    /// The default makes every pod ready on the next simulation pass.
    /// </summary>
    public Func<JsonObject, TimeSpan?> PodReadyAfter { get; set; } = static _ => TimeSpan.Zero;

    /// <summary>
    /// Called before every write that arrives over HTTP, outside the store lock, so a test can race a
    /// concurrent change in (for example an approval) and make the incoming write conflict.
    /// </summary>
    public Action<WriteInterception, ResourceStore>? BeforeWrite { get; set; }

    /// <summary>Called for every HTTP request (method, path, query string) before it is served, so a test can count API calls.</summary>
    public Action<string, string, string>? OnRequest { get; set; }

    /// <summary>
    /// Called for every request that arrives over HTTP (watches included) before it is served; a fault it returns is
    /// injected (a delay, then an error answer instead of the request). Lets a test put the controller through 409s,
    /// 500s and slow answers. Requests made on the store directly (the simulated controllers, test setup) are not affected.
    /// </summary>
    public Func<ApiRequest, ApiFault?>? Faults { get; set; }

    /// <summary>
    /// How long change events are kept for watches that resume from a resourceVersion; older ones are compacted and
    /// such a watch gets 410 Gone. The default is etcd's default compaction interval as the API server runs it (5 minutes).
    /// </summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an idle watch that asked for <c>allowWatchBookmarks</c> gets a BOOKMARK (the API server sends one about every minute).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many change events are kept for watches that resume from a resourceVersion.</summary>
    public int HistoryLimit { get; set; } = 20_000;

    /// <summary>
    /// Runs the containers of pods (for example real processes listening on each pod's 127.B.x.y address); null means
    /// containers that start at once, turn ready after <see cref="PodReadyAfter"/> and stop at once. With a runtime,
    /// deleting a pod is graceful as on a real cluster: the pod stays, terminating, until its containers stopped.
    /// </summary>
    public IPodRuntime? PodRuntime { get; set; }

    /// <summary>
    /// Authorizes every request with the RBAC objects stored in the emulator (Roles, RoleBindings, ClusterRoles,
    /// ClusterRoleBindings), as an API server with <c>--authorization-mode=RBAC</c>. The bearer token names the user
    /// (a service account is <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c>); <c>system:admin</c> may do
    /// anything; a request without a token is <c>system:anonymous</c>.
    /// </summary>
    public bool EnforceRbac { get; set; }

    /// <summary>
    /// Runs the OwnerReferencesPermissionEnforcement admission plugin, as clusters that enable it (OpenShift, hardened
    /// installs) do: changing an object's ownerReferences needs delete on the object, and setting blockOwnerDeletion
    /// needs update on the owner's <c>finalizers</c> subresource. Off by default, as in kube-apiserver's default plugins.
    /// </summary>
    public bool OwnerReferencesPermissionEnforcement { get; set; }

    /// <summary>
    /// When set, every resource request that arrives over HTTP is recorded with the user who made it, as the API
    /// server's audit log records it (whether or not <see cref="EnforceRbac"/> is on): what a least-privilege role is derived from.
    /// </summary>
    public ApiAudit? Audit { get; set; }

    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Without a <see cref="PodRuntime"/>: how long a deleted pod's containers take to stop. Until then the pod stays
    /// listed, terminating (it has a <c>deletionTimestamp</c>), as on a real node; 0 removes it on the kubelet's next pass.
    /// </summary>
    public TimeSpan PodTerminationTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Period of the simulation pass that turns pending pods ready.</summary>
    public TimeSpan SimulationTick { get; set; } = TimeSpan.FromMilliseconds(20);
}
