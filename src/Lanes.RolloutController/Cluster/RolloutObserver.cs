using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// Reads everything one Rollout decision needs from the watch caches once they are synced, as Kruise's informers do,
/// so a pass reads nothing from the API server and only its writes can fail: under a failing API server every extra
/// read made a pass fail more often and its key back off longer. The cached Rollout's resourceVersion still guards
/// the status write; after a conflict the caller asks for a fresh read.
/// </summary>
internal sealed class RolloutObserver(IKubernetes client, ClusterCache cache, Analysis.AnalysisRunner analysisRunner)
{
    public async Task<ObservedRollout?> ObserveAsync(string ns, string name, CancellationToken cancellationToken, bool fresh = false)
    {
        var document = !fresh && cache.Rollouts.IsSynced
            ? cache.Rollouts.Get(ns, name)?.DeepClone() as JsonObject
            : await GetCustomAsync(KruiseNames.V1Beta1, KruiseNames.RolloutPlural, ns, name, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            // The Rollout is gone: so is any analysis it was running.
            analysisRunner.Forget(ns, name);
            return null;
        }

        var rollout = ReadRollout(document, ns, name, out var readError);
        WorkloadObservation? workload = null;
        IReadOnlyList<CanaryObservation> canaries = [];
        var workloadRef = rollout.Spec.WorkloadRef;
        if (readError is null && workloadRef is { Kind: "Deployment", Name: { Length: > 0 } workloadName } && workloadRef.ApiVersion is "apps/v1" or null or "")
        {
            if (cache.Deployments.IsSynced && cache.ReplicaSets.IsSynced)
            {
                if (cache.Deployments.Get(ns, workloadName) is { } cached)
                {
                    var canaryDeployments = cache.Deployments.List(ns)
                        .Where(d => d["metadata"]?["labels"]?[KruiseNames.CanaryDeploymentLabel]?.GetValue<string>() == workloadName)
                        .Select(static d => KubernetesJson.Deserialize<V1Deployment>(d.ToJsonString()))
                        .ToList();
                    var deployment = KubernetesJson.Deserialize<V1Deployment>(cached.ToJsonString());

                    // Only the ReplicaSets of this Deployment and its canaries are read into models.
                    var owners = canaryDeployments.Select(static d => d.Metadata.Uid).Append(deployment.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
                    var replicaSets = cache.ReplicaSets.List(ns)
                        .Where(rs => (rs["metadata"]?["ownerReferences"] as JsonArray)?.Any(o => o?["uid"]?.GetValue<string>() is { } uid && owners.Contains(uid)) == true)
                        .Select(static rs => KubernetesJson.Deserialize<V1ReplicaSet>(rs.ToJsonString()))
                        .ToList();
                    workload = ObserveWorkload(deployment, replicaSets);
                    canaries = canaryDeployments.Select(d => ObserveCanary(d, replicaSets)).ToList();
                }
            }
            else if (await GetDeploymentAsync(ns, workloadName, cancellationToken).ConfigureAwait(false) is { } deployment)
            {
                var replicaSets = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
                workload = ObserveWorkload(deployment, replicaSets);
                var canaryList = await client.AppsV1.ListNamespacedDeploymentAsync(
                    ns, labelSelector: KruiseNames.CanaryDeploymentLabel + "=" + workloadName, cancellationToken: cancellationToken).ConfigureAwait(false);
                canaries = canaryList.Items.Select(d => ObserveCanary(d, replicaSets)).ToList();
            }
        }

        TrafficRoutingObservation? trafficRouting = null;
        if (readError is null && RolloutDecider.TrafficRoutingName(rollout) is { } trName)
        {
            var tr = cache.TrafficRoutings.IsSynced
                ? cache.TrafficRoutings.Get(ns, trName)
                : await GetCustomAsync(KruiseNames.V1Alpha1, KruiseNames.TrafficRoutingPlural, ns, trName, cancellationToken).ConfigureAwait(false);
            trafficRouting = ObserveTrafficRouting(trName, tr);
        }

        var analysis = readError is null && rollout.Status?.Phase == RolloutPhases.Progressing
            ? ObserveAnalysis(rollout, ns, name)
            : null;
        var observation = new RolloutObservation
        {
            Analysis = analysis,
            Rollout = rollout,
            ReadError = readError,
            Workload = workload,
            Canaries = canaries,
            TrafficRouting = trafficRouting,
        };
        return new ObservedRollout(observation, document);
    }

    // The templates are read while a release runs, from the watch cache only (the controller's RBAC on them is list and
    // watch); until the watch has listed (or when the CRD is not installed) the step waits and says so. A missing or
    // invalid template is named.
    private AnalysisObservation? ObserveAnalysis(Rollout rollout, string ns, string name)
    {
        if (Analysis.AnalysisAnnotations.Templates(rollout) is not { Count: > 0 } names)
        {
            return null;
        }

        var joined = string.Join(",", names);
        var run = analysisRunner.Get(ns, name);
        if (!Analysis.AnalysisAnnotations.TryArgs(rollout, out var args, out var argsProblem))
        {
            return new AnalysisObservation(joined, null, argsProblem, run);
        }

        var metrics = new List<Analysis.BoundMetric>();
        foreach (var templateName in names)
        {
            if (!cache.AnalysisTemplates.IsSynced)
            {
                return new AnalysisObservation(joined, null, $"AnalysisTemplates are not listed yet (is the CRD {Analysis.AnalysisNames.TemplatePlural}.{Analysis.AnalysisNames.Group} installed?)", run);
            }

            var document = cache.AnalysisTemplates.Get(ns, templateName);
            if (document is null)
            {
                return new AnalysisObservation(joined, null, $"AnalysisTemplate {templateName} not found in namespace {ns}", run);
            }

            if (!Analysis.AnalysisTemplateReader.TryRead(document, out var template, out var problem))
            {
                return new AnalysisObservation(joined, null, $"AnalysisTemplate {templateName} is invalid: {problem}", run);
            }

            if (!Analysis.AnalysisTemplateReader.TryBind(template!, args, out var bound, out problem))
            {
                return new AnalysisObservation(joined, null, problem, run);
            }

            metrics.AddRange(bound!);
        }

        return new AnalysisObservation(joined, metrics, null, run);
    }

    /// <summary>
    /// Reads a stored Rollout in either API version. Whatever the document holds, this does not throw: a document the
    /// model cannot take gives an empty Rollout (named as stored) and the reason, which becomes the Invalid condition.
    /// </summary>
    internal static Rollout ReadRollout(JsonObject document, string ns, string name, out string? readError)
    {
        Rollout rollout;
        readError = null;
        try
        {
            rollout = RolloutConversion.Read(document);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // FormatException/InvalidOperationException: a value of the wrong kind or out of range (a number too large
            // for an int, a string where an object belongs) that the serializer reports outside JsonException.
            readError = e.Message;
            rollout = new Rollout { Metadata = ReadMetadata(document) ?? new V1ObjectMeta { Name = name } };
        }

        rollout.Metadata ??= new V1ObjectMeta { Name = name };
        rollout.Metadata.Name ??= name;
        rollout.Metadata.NamespaceProperty ??= ns;
        return rollout;
    }

    private static V1ObjectMeta? ReadMetadata(JsonObject document)
    {
        try
        {
            return ApiJson.Read<V1ObjectMeta>(document["metadata"]);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    internal static TrafficRoutingObservation ObserveTrafficRouting(string name, JsonObject? tr)
    {
        TrafficRoutingStatus? status = null;
        try
        {
            status = ApiJson.Read<TrafficRoutingStatus>(tr?["status"]);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // A status we cannot read says nothing is in place.
        }

        return new TrafficRoutingObservation
        {
            Name = name,
            Exists = tr is not null,
            Phase = status?.Phase,
            Message = status?.Message,
            Generation = ReadLong(tr?["metadata"]?["generation"]),
            ObservedGeneration = status?.ObservedGeneration,
            TrafficReady = RolloutConditions.Find(status?.Conditions, ConditionTypes.TrafficReady),
            Finalizers = (tr?["metadata"]?["finalizers"] as JsonArray)?.Select(static f => f is JsonValue v && v.TryGetValue<string>(out var text) ? text : "").ToList() ?? [],
        };
    }

    private static long? ReadLong(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    internal static WorkloadObservation ObserveWorkload(V1Deployment deployment, IList<V1ReplicaSet> replicaSets)
    {
        var uid = deployment.Metadata.Uid;
        var owned = replicaSets.Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == uid) == true).ToList();
        var stable = owned
            .Where(static rs => (rs.Spec.Replicas ?? 0) > 0)
            .OrderBy(static rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(static rs => long.TryParse(rs.Metadata.ResourceVersion, out var v) ? v : 0)
            .FirstOrDefault()
            ?? owned.OrderByDescending(static rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).FirstOrDefault();
        var labels = deployment.Metadata.Labels;
        var annotations = deployment.Metadata.Annotations;
        string? inProgressing = null;
        if (annotations?.TryGetValue(KruiseNames.InProgressingAnnotation, out var json) == true)
        {
            try
            {
                inProgressing = JsonNode.Parse(json)?["rolloutName"]?.GetValue<string>() ?? "";
            }
            catch (JsonException)
            {
                inProgressing = "";
            }
        }

        var status = deployment.Status;
        return new WorkloadObservation
        {
            Name = deployment.Metadata.Name,
            Uid = uid,
            Generation = deployment.Metadata.Generation ?? 0,
            ObservedGeneration = status?.ObservedGeneration ?? 0,
            Replicas = deployment.Spec.Replicas ?? 1,
            Paused = deployment.Spec.Paused ?? false,
            InProgressingRollout = inProgressing,
            StableRevisionLabel = labels?.TryGetValue(KruiseNames.StableRevisionLabel, out var sr) == true ? sr : null,
            WorkloadTypeLabel = labels?.TryGetValue(KruiseNames.WorkloadTypeLabel, out var wt) == true ? wt : null,
            RolloutId = labels?.TryGetValue(KruiseNames.RolloutIdLabel, out var id) == true ? id : null,
            TemplateRevision = PodTemplateRevision.Compute(deployment.Spec.Template),
            StableRevision = stable?.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true ? hash : null,
            IsTemplateStable = stable is not null && PodTemplateRevision.AreEqual(stable.Spec.Template, deployment.Spec.Template),
            ReplicaSetCount = owned.Count,
            StatusReplicas = status?.Replicas ?? 0,
            UpdatedReplicas = status?.UpdatedReplicas ?? 0,
            AvailableReplicas = status?.AvailableReplicas ?? 0,
        };
    }

    private static CanaryObservation ObserveCanary(V1Deployment canary, IList<V1ReplicaSet> replicaSets)
    {
        var newest = replicaSets
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == canary.Metadata.Uid) == true)
            .OrderByDescending(static rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .FirstOrDefault();
        return new CanaryObservation
        {
            Name = canary.Metadata.Name,
            Revision = canary.Metadata.Annotations?.TryGetValue(KruiseNames.CanaryRevisionAnnotation, out var revision) == true ? revision : null,
            Replicas = canary.Spec.Replicas ?? 1,
            Generation = canary.Metadata.Generation ?? 0,
            ObservedGeneration = canary.Status?.ObservedGeneration ?? 0,
            StatusReplicas = canary.Status?.Replicas ?? 0,
            AvailableReplicas = canary.Status?.AvailableReplicas ?? 0,
            PodTemplateHash = newest?.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true ? hash : null,
            Deleting = canary.Metadata.DeletionTimestamp is not null,
        };
    }

    private async Task<V1Deployment?> GetDeploymentAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    internal Task<JsonObject?> GetCustomAsync(string version, string plural, string ns, string name, CancellationToken cancellationToken) =>
        GetCustomAsync(KruiseNames.Group, version, plural, ns, name, cancellationToken);

    private async Task<JsonObject?> GetCustomAsync(string group, string version, string plural, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(group, version, ns, plural, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
