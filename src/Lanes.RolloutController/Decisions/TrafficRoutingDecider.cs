using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Decisions;

/// <summary>
/// Kruise's TrafficRouting phase machine (pkg/controller/trafficrouting), pure: <c>Initial</c> (Services and entry
/// objects must exist) → <c>Healthy</c>; Healthy → <c>Progressing</c> once a Rollout adds its
/// <c>progressing.rollouts.kruise.io/&lt;rollout&gt;</c> finalizer; Progressing → <c>Finalizing</c> when the last one
/// leaves → Healthy once routes are restored; <c>Terminating</c> on deletion. Unlike Kruise, a TrafficRouting deleted
/// while Rollouts are attached keeps their routes until the last one finishes.
/// </summary>
internal static class TrafficRoutingDecider
{
    public const string Initial = "Initial";
    public const string Healthy = "Healthy";
    public const string Progressing = "Progressing";
    public const string Finalizing = "Finalizing";
    public const string Terminating = "Terminating";

    public const string InitializingMessage = "TrafficRouting is Initializing";
    public const string HealthyMessage = "TrafficRouting is Healthy";
    public const string ProgressingMessage = "TrafficRouting is Progressing";
    public const string FinalizingMessage = "TrafficRouting is Finalizing";
    public const string TerminatingMessage = "TrafficRouting is Terminating";

    public static TrafficRoutingDecision Decide(TrafficRouting trafficRouting)
    {
        ArgumentNullException.ThrowIfNull(trafficRouting);
        var metadata = trafficRouting.Metadata;
        var finalizers = metadata.Finalizers ?? [];
        var attached = finalizers.Any(static f => f.StartsWith(KruiseNames.ProgressingFinalizerPrefix + "/", StringComparison.Ordinal));
        var hasOwn = finalizers.Contains(KruiseNames.TrafficRoutingFinalizer);
        if (metadata.DeletionTimestamp is not null)
        {
            return attached
                ? new(false, TrafficRoutingOperation.EnsureRoutes, Terminating, TerminatingMessage, Terminating, TerminatingMessage, false)
                : new(false, TrafficRoutingOperation.Finalise, Terminating, TerminatingMessage, Terminating, TerminatingMessage, hasOwn);
        }

        return (trafficRouting.Status?.Phase) switch
        {
            Healthy when attached => new(!hasOwn, TrafficRoutingOperation.EnsureRoutes, Progressing, ProgressingMessage, Progressing, ProgressingMessage, false),
            Healthy => new(!hasOwn, TrafficRoutingOperation.None, Healthy, HealthyMessage, Healthy, HealthyMessage, false),
            Progressing when attached => new(!hasOwn, TrafficRoutingOperation.EnsureRoutes, Progressing, ProgressingMessage, Progressing, ProgressingMessage, false),
            Progressing or Finalizing => new(!hasOwn, TrafficRoutingOperation.Finalise, Finalizing, FinalizingMessage, Healthy, HealthyMessage, false),
            _ => new(!hasOwn, TrafficRoutingOperation.Initialize, Initial, InitializingMessage, Healthy, HealthyMessage, false),
        };
    }
}
