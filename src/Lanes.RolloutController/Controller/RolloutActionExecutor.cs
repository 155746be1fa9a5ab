using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;
using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Controller;

/// <summary>Runs decided actions against the API server. Every action is idempotent; each returns whether it is done.</summary>
internal sealed partial class RolloutActionExecutor(IKubernetes client, TrafficRoutingManager traffic, ILogger<RolloutActionExecutor> logger)
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
            case GateWorkload gate:
                await PatchDeploymentAsync(ns, gate.Deployment, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [KruiseNames.WorkloadTypeLabel] = "deployment" } },
                    ["spec"] = new JsonObject { ["paused"] = true },
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
                        ["labels"] = new JsonObject { [KruiseNames.StableRevisionLabel] = null },
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
            default:
                throw new InvalidOperationException("Unknown action " + action.GetType().Name);
        }
    }

    private async Task PatchRolloutFinalizersAsync(ObservedRollout observed, bool add, CancellationToken cancellationToken)
    {
        var metadata = observed.Observation.Rollout.Metadata;
        var finalizers = (metadata.Finalizers ?? []).Where(static f => f != KruiseNames.RolloutFinalizer).ToList();
        if (add)
        {
            finalizers.Add(KruiseNames.RolloutFinalizer);
        }

        // The resourceVersion makes a concurrent change of the list fail with 409 instead of being lost.
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = metadata.ResourceVersion,
                ["finalizers"] = new JsonArray(finalizers.Select(static f => (JsonNode)JsonValue.Create(f)).ToArray()),
            },
        };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            KruiseNames.Group, KruiseNames.V1Beta1, observed.Observation.Namespace, KruiseNames.RolloutPlural, metadata.Name,
            cancellationToken: cancellationToken).ConfigureAwait(false);
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
        if (Kubernetes.PodTemplateRevision.Compute(stable.Spec.Template) != create.Revision)
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
