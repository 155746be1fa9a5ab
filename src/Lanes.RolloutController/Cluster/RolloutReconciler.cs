using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s.Autorest;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// One level-triggered pass for one Rollout: observe, <see cref="RolloutDecider.Decide"/>, run the actions, then write
/// the status once with the resourceVersion that was read. A 409 means someone else (an approval, another writer)
/// changed the Rollout: re-read and decide again rather than overwrite them.
/// </summary>
internal sealed partial class RolloutReconciler(
    IKubernetes client,
    RolloutObserver observer,
    RolloutActionExecutor executor,
    KubernetesEventRecorder events,
    ClusterCache cache,
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
        var settings = new RolloutDecisionSettings(_options.CanaryReadyTimeout, _options.RetryDelay * 3)
        {
            RouteCheckPeriod = _options.RouteCheckPeriod,
            LaneHeader = _options.LaneHeader,
        };
        for (var attempt = 0; attempt < _options.ConflictRetries; attempt++)
        {
            LanesTelemetry.Reconciles.Add(1);
            // The first attempt reads the watch cache; after a conflict the cache may be behind, so read the API server.
            var observed = await observer.ObserveAsync(ns, name, cancellationToken, fresh: attempt > 0).ConfigureAwait(false);
            if (observed is null)
            {
                return null;
            }

            var decision = RolloutDecider.Decide(observed.Observation, timeProvider.GetUtcNow(), settings);
            var status = decision.Status;
            var requeue = decision.RequeueAfter;
            foreach (var action in decision.Actions)
            {
                var result = await executor.ExecuteAsync(action, observed, cancellationToken).ConfigureAwait(false);
                if (action is RemoveRolloutFinalizer)
                {
                    Log.Released(logger, ns, name);
                    return null;
                }

                if (!result.IsDone)
                {
                    // Not done yet (a provider is converging, or failed): write what is true, and no further.
                    status = NotDoneStatus(observed, action, result);
                    requeue = result.RetryAfter ?? _options.RetryDelay;
                    break;
                }
            }

            var previous = observed.Observation.Rollout.Status;
            if (status.Conditions is { Count: 0 } && previous?.Conditions is null)
            {
                status.Conditions = null;
            }

            if (JsonNode.DeepEquals(ApiJson.Write(previous ?? new RolloutStatus()), ApiJson.Write(status)))
            {
                return requeue;
            }

            try
            {
                await WriteStatusAsync(observed, status, cancellationToken).ConfigureAwait(false);
                LanesTelemetry.StatusWrites.Add(1);
                Log.StatusWritten(logger, ns, name, status.Phase, status.CanaryStatus?.CurrentStepIndex, status.CanaryStatus?.CurrentStepState, status.Message);
                if (previous?.Phase != status.Phase)
                {
                    Log.PhaseChanged(logger, ns, name, previous?.Phase, status.Phase);
                }

                await RecordTrafficEventAsync(observed, previous, status, cancellationToken).ConfigureAwait(false);
                foreach (var e in decision.Events)
                {
                    await events.RecordAsync(InvolvedObject(observed), e.Type, e.Reason, e.Message, cancellationToken).ConfigureAwait(false);
                }

                return requeue;
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

    // The status to write when an action is not done: its checkpoint (or the status as read), saying why.
    private RolloutStatus NotDoneStatus(ObservedRollout observed, RolloutAction action, ActionResult result)
    {
        var status = ApiJson.Read<RolloutStatus>(ApiJson.Write(action.Checkpoint ?? observed.Observation.Rollout.Status ?? new RolloutStatus())) ?? new RolloutStatus();
        if (result.Reason is null)
        {
            return status;
        }

        status.Conditions = RolloutConditions.Set(status.Conditions, ConditionTypes.TrafficReady, "False", result.Reason, result.Message ?? result.Reason, timeProvider.GetUtcNow());
        if (result.IsFailure)
        {
            var message = (action is RestoreTraffic ? "Traffic is not restored to stable: " : "Canary traffic is not in place: ") + result.Message;
            status.Message = message;
            if (status.CanaryStatus is { } canary)
            {
                canary.Message = message;
            }
        }

        return status;
    }

    // One Event per change of the TrafficReady condition: a Warning when it fails, a Normal one when routes are ready.
    private Task RecordTrafficEventAsync(ObservedRollout observed, RolloutStatus? previous, RolloutStatus current, CancellationToken cancellationToken)
    {
        var before = RolloutConditions.Find(previous?.Conditions, ConditionTypes.TrafficReady);
        var after = RolloutConditions.Find(current.Conditions, ConditionTypes.TrafficReady);
        if (after is null || (before?.Status == after.Status && before.Reason == after.Reason && before.Message == after.Message))
        {
            return Task.CompletedTask;
        }

        var failed = after.Status != "True" && !Traffic.TrafficRoutingReasons.IsProgress(after.Reason);
        if (!failed && (after.Status != "True" || before?.Status == "True"))
        {
            return Task.CompletedTask;
        }

        return events.RecordAsync(InvolvedObject(observed), failed ? KubernetesEventRecorder.Warning : KubernetesEventRecorder.Normal, after.Reason, after.Message, cancellationToken);
    }

    private static k8s.Models.V1ObjectReference InvolvedObject(ObservedRollout observed) => new()
    {
        ApiVersion = KruiseNames.Group + "/" + KruiseNames.V1Beta1,
        Kind = "Rollout",
        Name = observed.Observation.Name,
        NamespaceProperty = observed.Observation.Namespace,
        Uid = observed.Observation.Rollout.Metadata.Uid,
    };

    private async Task WriteStatusAsync(ObservedRollout observed, RolloutStatus status, CancellationToken cancellationToken)
    {
        // Same document as read, so its metadata.resourceVersion guards the write.
        var body = (JsonObject)observed.Document.DeepClone();
        body["status"] = ApiJson.Write(status);
        var written = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            body, KruiseNames.Group, KruiseNames.V1Beta1, observed.Observation.Namespace, KruiseNames.RolloutPlural, observed.Observation.Name,
            cancellationToken: cancellationToken).ConfigureAwait(false);

        // The next pass reads the cache: it must see this status even before the watch brings it.
        if ((written as JsonObject ?? (written is System.Text.Json.JsonElement element ? JsonSerializer.SerializeToNode(element) as JsonObject : null)) is { } stored)
        {
            cache.Rollouts.Written(stored);
        }
    }
}
