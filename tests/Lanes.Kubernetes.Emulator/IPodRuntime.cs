using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// What runs a pod's containers on the emulated node (a test's real processes, for example). The kubelet starts a pod
/// once it has its address (<c>status.podIP</c>), reports its readiness into the pod's <c>Ready</c> condition, and on
/// deletion keeps the pod <c>Terminating</c> until the runtime says its containers stopped or the grace period ran out.
/// Calls come from the simulation loop, one at a time; they must not block.
/// </summary>
public interface IPodRuntime
{
    /// <summary>Starts the pod's containers.</summary>
    void Start(JsonObject pod);

    /// <summary>Whether the pod passes its readiness check now.</summary>
    bool IsReady(JsonObject pod);

    /// <summary>
    /// Called on every pass while the pod terminates: the first call delivers the stop signal (after any preStop
    /// hook); returns <see langword="true"/> once the containers have stopped. <paramref name="graceExpired"/> asks for a kill.
    /// </summary>
    bool TryStop(JsonObject pod, bool graceExpired);
}
