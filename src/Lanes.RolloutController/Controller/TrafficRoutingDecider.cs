using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Controller;

/// <summary>
/// Phase machine of a shared TrafficRouting: Healthy until a Rollout attaches its
/// <c>progressing.rollouts.kruise.io/&lt;rollout&gt;</c> finalizer, Progressing while any is attached,
/// back through Finalizing to Healthy when the last one leaves. Pure.
/// </summary>
internal static class TrafficRoutingDecider
{
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
        var old = trafficRouting.Status ?? new TrafficRoutingStatus();
        var status = new TrafficRoutingStatus { ObservedGeneration = metadata.Generation, Phase = old.Phase, Message = old.Message };
        bool add = false, remove = false, ensure = false, restore = false;

        if (metadata.DeletionTimestamp is not null)
        {
            status.Phase = "Terminating";
            status.Message = TerminatingMessage;

            // Rollouts still attached keep it alive until they finish their release.
            if (!attached && hasOwn)
            {
                restore = true;
                remove = true;
            }
        }
        else
        {
            add = !hasOwn;
            if (attached)
            {
                status.Phase = "Progressing";
                status.Message = ProgressingMessage;
                ensure = true;
            }
            else
            {
                restore = old.Phase is "Progressing" or "Finalizing";
                status.Phase = "Healthy";
                status.Message = HealthyMessage;
            }
        }

        var changed = old.Phase != status.Phase || old.Message != status.Message || old.ObservedGeneration != status.ObservedGeneration;
        return new TrafficRoutingDecision(add, remove, ensure, restore, status, changed);
    }
}
