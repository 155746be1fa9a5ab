using System.Net;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Traffic;
using Microsoft.Extensions.Logging;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>Runs decided actions against the API server. Every action is idempotent; each returns whether it is done.</summary>
internal sealed partial class RolloutActionExecutor(IKubernetes client, TrafficRoutingManager traffic, Analysis.AnalysisRunner analysis, ILogger<RolloutActionExecutor> logger)
{
    private const int FinalizerRetries = 5;

    public async Task<ActionResult> ExecuteAsync(RolloutAction action, ObservedRollout observed, CancellationToken cancellationToken)
    {
        var ns = observed.Observation.Namespace;
        var rollout = observed.Observation.Rollout;
        Log.Executing(logger, action.GetType().Name, ns, rollout.Metadata.Name);
        switch (action)
        {
            case AddRolloutFinalizer:
                await PatchRolloutFinalizersAsync(observed, add: true, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case RemoveRolloutFinalizer:
                await PatchRolloutFinalizersAsync(observed, add: false, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case SetRolloutHash hash:
                await PatchRolloutMetadataAsync(observed, new JsonObject { ["annotations"] = new JsonObject { [KruiseNames.RolloutHashAnnotation] = hash.Hash } }, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case LabelCanaryPods label:
                await LabelCanaryPodsAsync(ns, label, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case LabelWorkload label:
                await PatchDeploymentAsync(ns, label.Deployment, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [KruiseNames.WorkloadTypeLabel] = "deployment" } },
                }, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case HoldWorkload hold:
                await PatchDeploymentAsync(ns, hold.Deployment, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = new JsonObject
                        {
                            [KruiseNames.WorkloadTypeLabel] = "deployment",
                            [KruiseNames.StableRevisionLabel] = hold.StableRevision,
                        },
                        ["annotations"] = new JsonObject
                        {
                            [KruiseNames.InProgressingAnnotation] = new JsonObject { ["rolloutName"] = hold.RolloutName }.ToJsonString(),
                        },
                    },
                    ["spec"] = new JsonObject { ["paused"] = true },
                }, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case ReleaseWorkload release:
                await PatchDeploymentAsync(ns, release.Deployment, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        // Kruise keeps the stable-revision label after a release; only the in-progressing mark goes.
                        ["annotations"] = new JsonObject { [KruiseNames.InProgressingAnnotation] = null },
                    },
                    ["spec"] = new JsonObject { ["paused"] = false },
                }, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case CreateCanary create:
                await CreateCanaryAsync(observed, create, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case ScaleCanary scale:
                await PatchDeploymentAsync(ns, scale.Name, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = scale.Replicas } }, cancellationToken).ConfigureAwait(false);
                return ActionResult.Done;
            case DeleteCanaries delete:
                foreach (var name in delete.Names)
                {
                    await IgnoreNotFoundAsync(() => client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, propagationPolicy: "Background", cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                return ActionResult.Done;
            case AttachTrafficRouting attach:
                return ActionResult.From(await UpdateTrafficRoutingFinalizerAsync(ns, attach.Name, TrafficRoutingObservation.FinalizerFor(rollout.Metadata.Name), add: true, cancellationToken).ConfigureAwait(false));
            case DetachTrafficRouting detach:
                return ActionResult.From(await UpdateTrafficRoutingFinalizerAsync(ns, detach.Name, TrafficRoutingObservation.FinalizerFor(rollout.Metadata.Name), add: false, cancellationToken).ConfigureAwait(false));
            case CheckTraffic:
                return ActionResult.From(await traffic.InitializeAsync(TrafficContext(rollout, ns, null, null, null), cancellationToken).ConfigureAwait(false));
            case PrepareTraffic prepare:
                return ActionResult.From(await traffic.PrepareAsync(TrafficContext(rollout, ns, null, prepare.StableRevision, null), cancellationToken).ConfigureAwait(false));
            case RouteTraffic route:
                return ActionResult.From(await traffic.EnsureRoutesAsync(TrafficContext(rollout, ns, route.Strategy, route.StableRevision, route.CanaryRevision), cancellationToken).ConfigureAwait(false));
            case RestoreTraffic restore:
                return ActionResult.From(await traffic.FinaliseAsync(TrafficContext(rollout, ns, null, null, null), restore.RoutesOnly, cancellationToken).ConfigureAwait(false));
            case StartAnalysis start:
                analysis.Start(ns, rollout.Metadata.Name, start);
                return ActionResult.Done;
            default:
                throw new InvalidOperationException("Unknown action " + action.GetType().Name);
        }
    }

    private Task PatchRolloutFinalizersAsync(ObservedRollout observed, bool add, CancellationToken cancellationToken)
    {
        var finalizers = (observed.Observation.Rollout.Metadata.Finalizers ?? []).Where(static f => f != KruiseNames.RolloutFinalizer).ToList();
        if (add)
        {
            finalizers.Add(KruiseNames.RolloutFinalizer);
        }

        return PatchRolloutMetadataAsync(observed, new JsonObject { ["finalizers"] = new JsonArray(finalizers.Select(static f => (JsonNode)JsonValue.Create(f)).ToArray()) }, cancellationToken);
    }

    /// <summary>
    /// Merge-patches the Rollout's metadata guarded by the resourceVersion that was read, so a concurrent change fails
    /// with 409 instead of being lost; on success the observed document moves to the new resourceVersion, so the
    /// status write of the same pass is not refused for our own change.
    /// </summary>
    private async Task PatchRolloutMetadataAsync(ObservedRollout observed, JsonObject metadata, CancellationToken cancellationToken)
    {
        var current = (JsonObject)observed.Document["metadata"]!;
        metadata["resourceVersion"] = current["resourceVersion"]?.DeepClone();
        var patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(new JsonObject { ["metadata"] = metadata }.ToJsonString(), V1Patch.PatchType.MergePatch),
            KruiseNames.Group, KruiseNames.V1Beta1, observed.Observation.Namespace, KruiseNames.RolloutPlural, observed.Observation.Name,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (patched?["metadata"] is JsonObject after)
        {
            observed.Document["metadata"] = after.DeepClone();
        }
    }

    private async Task LabelCanaryPodsAsync(string ns, LabelCanaryPods label, CancellationToken cancellationToken)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "pod-template-hash=" + label.PodTemplateHash, cancellationToken: cancellationToken).ConfigureAwait(false);
        var planned = (int[])label.PlannedIncrements.Clone();
        var unlabelled = new List<V1Pod>();
        foreach (var pod in pods.Items)
        {
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var labels = pod.Metadata.Labels;
            if (labels?.TryGetValue(KruiseNames.RolloutIdLabel, out var id) != true || id != label.RolloutId ||
                !labels.TryGetValue(KruiseNames.RolloutBatchIdLabel, out var batchText) ||
                !int.TryParse(batchText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var batch) ||
                batch < 1 || batch > planned.Length)
            {
                unlabelled.Add(pod);
                continue;
            }

            planned[batch - 1]--;
        }

        // Kruise fills the latest batch first.
        for (var i = planned.Length - 1; i >= 0; i--)
        {
            for (; planned[i] > 0 && unlabelled.Count > 0; planned[i]--)
            {
                var pod = unlabelled[^1];
                unlabelled.RemoveAt(unlabelled.Count - 1);
                var patch = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = new JsonObject
                        {
                            [KruiseNames.RolloutIdLabel] = label.RolloutId,
                            [KruiseNames.RolloutBatchIdLabel] = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        },
                    },
                };
                await IgnoreNotFoundAsync(() => client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), pod.Metadata.Name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    private Task PatchDeploymentAsync(string ns, string name, JsonObject patch, CancellationToken cancellationToken) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: cancellationToken);

    private async Task CreateCanaryAsync(ObservedRollout observed, CreateCanary create, CancellationToken cancellationToken)
    {
        var ns = observed.Observation.Namespace;
        var rollout = observed.Observation.Rollout;
        var existing = await client.AppsV1.ListNamespacedDeploymentAsync(
            ns, labelSelector: KruiseNames.CanaryDeploymentLabel + "=" + create.Deployment, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (existing.Items.Any(d => d.Metadata.DeletionTimestamp is null &&
            d.Metadata.Annotations?.TryGetValue(KruiseNames.CanaryRevisionAnnotation, out var r) == true && r == create.Revision))
        {
            return;
        }

        var stable = await client.AppsV1.ReadNamespacedDeploymentAsync(create.Deployment, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (PodTemplateRevision.Compute(stable.Spec.Template) != create.Revision)
        {
            // The template moved on since the observation; the next pass decides for the new one.
            throw new InvalidOperationException($"Deployment {ns}/{create.Deployment} changed while creating its canary");
        }

        var spec = KubernetesJson.Deserialize<V1DeploymentSpec>(KubernetesJson.Serialize(stable.Spec));
        spec.Replicas = create.Replicas;
        spec.Paused = false;
        var template = spec.Template;
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels ??= new Dictionary<string, string>();
        template.Metadata.Labels.Remove("pod-template-hash");
        foreach (var (key, value) in create.Patch?.Labels ?? [])
        {
            template.Metadata.Labels[key] = value;
        }

        if (create.Patch?.Annotations is { Count: > 0 } annotations)
        {
            template.Metadata.Annotations ??= new Dictionary<string, string>();
            foreach (var (key, value) in annotations)
            {
                template.Metadata.Annotations[key] = value;
            }
        }

        var canary = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                GenerateName = create.Deployment + "-",
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [KruiseNames.CanaryDeploymentLabel] = create.Deployment },
                Annotations = new Dictionary<string, string> { [KruiseNames.CanaryRevisionAnnotation] = create.Revision },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = KruiseNames.Group + "/" + KruiseNames.V1Beta1,
                        Kind = "Rollout",
                        Name = rollout.Metadata.Name,
                        Uid = rollout.Metadata.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(canary, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.CanaryCreated(logger, ns, created.Metadata.Name, create.Deployment, create.Replicas);
    }

    private async Task<bool> UpdateTrafficRoutingFinalizerAsync(string ns, string name, string finalizer, bool add, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < FinalizerRetries; attempt++)
        {
            JsonObject tr;
            try
            {
                tr = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return !add;
            }

            var metadata = (JsonObject)tr["metadata"]!;
            var finalizers = (metadata["finalizers"] as JsonArray)?.Select(static f => f!.GetValue<string>()).ToList() ?? [];
            if (finalizers.Contains(finalizer) == add)
            {
                return true;
            }

            if (add)
            {
                finalizers.Add(finalizer);
            }
            else
            {
                finalizers.Remove(finalizer);
            }

            metadata["finalizers"] = new JsonArray(finalizers.Select(static f => (JsonNode)JsonValue.Create(f)).ToArray());
            try
            {
                await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(tr, KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                Log.Conflict(logger, "TrafficRouting", ns, name);
            }
        }

        return false;
    }

    // The Rollout's own trafficRoutings, as Kruise's newTrafficRoutingContext builds them.
    private static TrafficRoutingContext TrafficContext(Rollout rollout, string ns, TrafficStrategy? strategy, string? stableRevision, string? canaryRevision)
    {
        var canary = rollout.Spec.Strategy.Canary!;
        return new TrafficRoutingContext
        {
            Namespace = ns,
            Owner = new TrafficRoutingOwner(KruiseNames.Group + "/" + KruiseNames.V1Beta1, "Rollout", rollout.Metadata.Name, rollout.Metadata.Uid),
            Refs = canary.TrafficRoutings ?? [],
            RefsField = "spec.strategy.canary.trafficRoutings",
            Strategy = strategy ?? new TrafficStrategy(),
            DisableGenerateCanaryService = canary.DisableGenerateCanaryService,
            StableRevision = stableRevision,
            CanaryRevision = canaryRevision,
            CanarySelectorPatch = canary.PatchPodTemplateMetadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
        };
    }

    private static async Task IgnoreNotFoundAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }
}
