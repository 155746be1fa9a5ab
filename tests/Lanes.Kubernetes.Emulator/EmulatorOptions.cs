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

    /// <summary>
    /// Called for every request that arrives over HTTP (watches included) before it is served; a fault it returns is
    /// injected (a delay, then an error answer instead of the request). Lets a test put the controller through 409s,
    /// 500s and slow answers. Requests made on the store directly (the simulated controllers, test setup) are not affected.
    /// </summary>
    public Func<ApiRequest, ApiFault?>? Faults { get; set; }

    /// <summary>How many change events are kept for watches that resume from a resourceVersion.</summary>
    public int HistoryLimit { get; set; } = 20_000;

    /// <summary>
    /// Runs the containers of pods (for example real processes listening on each pod's 127.0.x.y address); null means
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

    /// <summary>Period of the simulation pass that turns pending pods ready.</summary>
    public TimeSpan SimulationTick { get; set; } = TimeSpan.FromMilliseconds(20);
}
