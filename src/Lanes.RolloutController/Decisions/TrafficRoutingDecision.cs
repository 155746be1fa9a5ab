namespace Lanes.RolloutController.Decisions;

/// <summary>What one TrafficRouting pass should do, and the phase to show while it is under way and once it is done.</summary>
/// <param name="AddFinalizer">Add the TrafficRouting's own finalizer first.</param>
/// <param name="Operation">The route operation of this phase.</param>
/// <param name="Phase">The phase while the operation is not done.</param>
/// <param name="Message">Kruise's message for <paramref name="Phase"/>.</param>
/// <param name="PhaseWhenDone">The phase once the operation is done.</param>
/// <param name="MessageWhenDone">Kruise's message for <paramref name="PhaseWhenDone"/>.</param>
/// <param name="RemoveFinalizerWhenDone">Release the object (Terminating, no Rollout attached) once routes are restored.</param>
internal sealed record TrafficRoutingDecision(
    bool AddFinalizer,
    TrafficRoutingOperation Operation,
    string Phase,
    string Message,
    string PhaseWhenDone,
    string MessageWhenDone,
    bool RemoveFinalizerWhenDone);
