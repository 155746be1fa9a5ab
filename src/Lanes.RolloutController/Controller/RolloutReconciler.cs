using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Controller;

/// <summary>
/// One level-triggered pass for one Rollout: observe, <see cref="RolloutDecider.Decide"/>, run the actions, then write
/// the status once with the resourceVersion that was read. A 409 means someone else (an approval, another writer)
/// changed the Rollout: re-read and decide again rather than overwrite them.
/// </summary>
internal sealed partial class RolloutReconciler(
    IKubernetes client,
    RolloutObserver observer,
    RolloutActionExecutor executor,
    TimeProvider timeProvider,
    IOptions<RolloutControllerOptions> options,
    ILogger<RolloutReconciler> logger)
{
    private readonly RolloutControllerOptions _options = options.Value;

    /// <summary>Reconciles; returns when to look again, or <see langword="null"/> to wait for events.</summary>
    public async Task<TimeSpan?> ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        using var activity = LanesTelemetry.ActivitySource.StartActivity("Lanes.Rollout.Reconcile");
        activity?.SetTag("lanes.rollout", ns + "/" + name);
        var settings = new RolloutDecisionSettings(_options.CanaryReadyTimeout, _options.RetryDelay * 3);
        for (var attempt = 0; attempt < _options.ConflictRetries; attempt++)
        {
            LanesTelemetry.Reconciles.Add(1);
            var observed = await observer.ObserveAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (observed is null)
            {
                return null;
            }

            var decision = RolloutDecider.Decide(observed.Observation, timeProvider.GetUtcNow(), settings);
            var done = true;
            foreach (var action in decision.Actions)
            {
                done &= await executor.ExecuteAsync(action, observed, cancellationToken).ConfigureAwait(false);
                if (action is RemoveRolloutFinalizer)
                {
                    Log.Released(logger, ns, name);
                    return null;
                }
            }

            if (!done)
            {
                // Not done yet (a provider is converging): keep the old status so nothing is skipped.
                return _options.RetryDelay;
            }

            if (!decision.StatusChanged)
            {
                return decision.RequeueAfter;
            }

            try
            {
                await WriteStatusAsync(observed, decision, cancellationToken).ConfigureAwait(false);
                LanesTelemetry.StatusWrites.Add(1);
                var previous = observed.Observation.Rollout.Status;
                Log.StatusWritten(logger, ns, name, decision.Status.Phase, decision.Status.CanaryStatus?.CurrentStepIndex, decision.Status.CanaryStatus?.CurrentStepState, decision.Status.Message);
                if (previous?.Phase != decision.Status.Phase)
                {
                    Log.PhaseChanged(logger, ns, name, previous?.Phase, decision.Status.Phase);
                }

                return decision.RequeueAfter;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                LanesTelemetry.StatusConflicts.Add(1);
                Log.StatusConflict(logger, ns, name, attempt + 1);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }

        return _options.RetryDelay;
    }

    private Task WriteStatusAsync(ObservedRollout observed, RolloutDecision decision, CancellationToken cancellationToken)
    {
        // Same document as read, so its metadata.resourceVersion guards the write.
        var body = (JsonObject)observed.Document.DeepClone();
        body["status"] = ApiJson.Write(decision.Status);
        return client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            body, KruiseNames.Group, KruiseNames.V1Beta1, observed.Observation.Namespace, KruiseNames.RolloutPlural, observed.Observation.Name,
            cancellationToken: cancellationToken);
    }
}
