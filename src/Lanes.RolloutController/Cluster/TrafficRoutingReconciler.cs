using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Traffic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// Reconciles a shared TrafficRouting (end-to-end lanes): its own finalizer, Kruise's phases, and its lane rule put in
/// place through the providers while any Rollout is attached (<c>OnlyTrafficRouting</c>: no canary Service, stable
/// selector untouched). The <c>TrafficReady</c> condition says whether the rule is in place, which the attached
/// Rollouts wait for before they pause; failures also go to <c>status.message</c> and an Event.
/// </summary>
internal sealed partial class TrafficRoutingReconciler(
    IKubernetes client,
    TrafficRoutingManager traffic,
    KubernetesEventRecorder events,
    TimeProvider timeProvider,
    IOptions<RolloutControllerOptions> options,
    ILogger<TrafficRoutingReconciler> logger)
{
    private readonly RolloutControllerOptions _options = options.Value;

    public async Task<TimeSpan?> ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < _options.ConflictRetries; attempt++)
        {
            var document = await ApiCalls.GetOrNullAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(
                KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken)).ConfigureAwait(false);
            if (document is null)
            {
                return null;
            }

            TrafficRouting trafficRouting;
            string? problem = null;
            try
            {
                trafficRouting = ApiJson.Read<TrafficRouting>(document) ?? new TrafficRouting();
            }
            catch (JsonException e)
            {
                Log.Unreadable(logger, ns, name, e.Message);
                problem = $"TrafficRouting {ns}/{name} cannot be read: {e.Message}";
                trafficRouting = new TrafficRouting
                {
                    Metadata = ApiJson.Read<V1ObjectMeta>(document["metadata"]) ?? new V1ObjectMeta { Name = name },
                    Status = TryRead<TrafficRoutingStatus>(document["status"]),
                };
            }

            trafficRouting.Metadata.NamespaceProperty ??= ns;
            var decision = TrafficRoutingDecider.Decide(trafficRouting);
            try
            {
                if (decision.AddFinalizer)
                {
                    await PatchFinalizerAsync(trafficRouting.Metadata, ns, add: true, cancellationToken).ConfigureAwait(false);

                    // The finalizer patch moved the resourceVersion; decide again on the new copy.
                    continue;
                }

                var deleting = trafficRouting.Metadata.DeletionTimestamp is not null;
                problem ??= deleting ? null : Validate(trafficRouting, ns);
                var result = problem is not null
                    ? TrafficRoutingResult.Failed(TrafficRoutingReasons.InvalidTrafficRouting, problem)
                    : await RunAsync(decision.Operation, trafficRouting, ns, cancellationToken).ConfigureAwait(false);
                var status = Compose(trafficRouting, decision, result);
                if (!JsonNode.DeepEquals(ApiJson.Write(trafficRouting.Status ?? new TrafficRoutingStatus()), ApiJson.Write(status)))
                {
                    var body = (JsonObject)document.DeepClone();
                    body["status"] = ApiJson.Write(status);
                    await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (trafficRouting.Status?.Phase != status.Phase)
                    {
                        Log.PhaseChanged(logger, ns, name, status.Phase);
                    }

                    await RecordEventAsync(trafficRouting, status, cancellationToken).ConfigureAwait(false);
                }

                if (decision.RemoveFinalizerWhenDone && result.IsDone)
                {
                    var current = await ApiCalls.GetOrNullAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(
                        KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken)).ConfigureAwait(false);
                    if (current is not null && ApiJson.Read<V1ObjectMeta>(current["metadata"]) is { } metadata)
                    {
                        await PatchFinalizerAsync(metadata, ns, add: false, cancellationToken).ConfigureAwait(false);
                    }

                    return null;
                }

                return result.Outcome switch
                {
                    TrafficRoutingOutcome.Pending => result.RetryAfter ?? _options.RetryDelay,
                    TrafficRoutingOutcome.Failed => _options.RetryDelay,

                    // Routes in place are checked again now and then: someone may delete the Ingress under them.
                    _ => decision.Operation == TrafficRoutingOperation.EnsureRoutes ? _options.RouteCheckPeriod : null,
                };
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                LanesTelemetry.StatusConflicts.Add(1);
            }
        }

        return _options.RetryDelay;
    }

    private string? Validate(TrafficRouting trafficRouting, string ns)
    {
        var owner = $"TrafficRouting {ns}/{trafficRouting.Metadata.Name}";
        if (trafficRouting.Spec.ObjectRef is not { Count: > 0 } refs)
        {
            return $"{owner}: spec.objectRef is empty; name the stable Service and its ingress, gateway or customNetworkRefs";
        }

        return TrafficRoutingValidator.Validate(owner, refs, "spec.objectRef", [(TrafficStrategy.From(trafficRouting.Spec.Strategy), "spec.strategy")], _options.LaneHeader);
    }

    private Task<TrafficRoutingResult> RunAsync(TrafficRoutingOperation operation, TrafficRouting trafficRouting, string ns, CancellationToken cancellationToken)
    {
        var context = new TrafficRoutingContext
        {
            Namespace = ns,
            Owner = new TrafficRoutingOwner(KruiseNames.Group + "/" + KruiseNames.V1Alpha1, "TrafficRouting", trafficRouting.Metadata.Name, trafficRouting.Metadata.Uid),
            Refs = trafficRouting.Spec.ObjectRef ?? [],
            RefsField = "spec.objectRef",
            Strategy = TrafficStrategy.From(trafficRouting.Spec.Strategy ?? new TrafficRoutingStrategy()),
            OnlyTrafficRouting = true,
        };
        return operation switch
        {
            TrafficRoutingOperation.Initialize => traffic.InitializeAsync(context, cancellationToken),
            TrafficRoutingOperation.EnsureRoutes => traffic.EnsureRoutesAsync(context, cancellationToken),
            TrafficRoutingOperation.Finalise => traffic.FinaliseAsync(context, routesOnly: false, cancellationToken),
            _ => Task.FromResult(TrafficRoutingResult.Done),
        };
    }

    private TrafficRoutingStatus Compose(TrafficRouting trafficRouting, TrafficRoutingDecision decision, TrafficRoutingResult result)
    {
        var old = trafficRouting.Status ?? new TrafficRoutingStatus();
        var status = new TrafficRoutingStatus
        {
            ObservedGeneration = trafficRouting.Metadata.Generation,
            Conditions = ApiJson.Read<List<RolloutCondition>>(ApiJson.Write(old.Conditions)),
        };
        var now = timeProvider.GetUtcNow();
        if (result.IsDone)
        {
            status.Phase = decision.PhaseWhenDone;
            status.Message = decision.MessageWhenDone;
            var routed = decision.Operation == TrafficRoutingOperation.EnsureRoutes;
            status.Conditions = RolloutConditions.Set(status.Conditions, ConditionTypes.TrafficReady, "True", TrafficRoutingReasons.RoutesReady,
                routed ? "The lane rule is in place" : "All traffic goes to the stable version", now);
        }
        else
        {
            status.Phase = decision.Phase;
            status.Message = result.IsFailed ? result.Message : decision.Message;
            status.Conditions = RolloutConditions.Set(status.Conditions, ConditionTypes.TrafficReady, "False", result.Reason!, result.Message!, now);
        }

        return status;
    }

    private Task RecordEventAsync(TrafficRouting trafficRouting, TrafficRoutingStatus status, CancellationToken cancellationToken)
    {
        var before = RolloutConditions.Find(trafficRouting.Status?.Conditions, ConditionTypes.TrafficReady);
        var after = RolloutConditions.Find(status.Conditions, ConditionTypes.TrafficReady)!;
        if (before?.Status == after.Status && before.Reason == after.Reason && before.Message == after.Message)
        {
            return Task.CompletedTask;
        }

        var failed = after.Status != "True" && !TrafficRoutingReasons.IsProgress(after.Reason);
        if (!failed && (after.Status != "True" || before?.Status == "True"))
        {
            return Task.CompletedTask;
        }

        var metadata = trafficRouting.Metadata;
        var involved = new V1ObjectReference
        {
            ApiVersion = KruiseNames.Group + "/" + KruiseNames.V1Alpha1,
            Kind = "TrafficRouting",
            Name = metadata.Name,
            NamespaceProperty = metadata.NamespaceProperty,
            Uid = metadata.Uid,
        };
        return events.RecordAsync(involved, failed ? KubernetesEventRecorder.Warning : KubernetesEventRecorder.Normal, after.Reason, after.Message, cancellationToken);
    }

    private Task PatchFinalizerAsync(V1ObjectMeta metadata, string ns, bool add, CancellationToken cancellationToken)
    {
        var finalizers = (metadata.Finalizers ?? []).Where(static f => f != KruiseNames.TrafficRoutingFinalizer).ToList();
        if (add)
        {
            finalizers.Add(KruiseNames.TrafficRoutingFinalizer);
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = metadata.ResourceVersion,
                ["finalizers"] = new JsonArray(finalizers.Select(static f => (JsonNode)JsonValue.Create(f)).ToArray()),
            },
        };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, metadata.Name,
            cancellationToken: cancellationToken);
    }

    private static T? TryRead<T>(JsonNode? node)
    {
        try
        {
            return ApiJson.Read<T>(node);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
