using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Microsoft.Extensions.Logging;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// The mutating webhook on Deployment UPDATE: finds the Rollout that governs the Deployment and applies
/// <see cref="DeploymentAdmission"/>. An update it cannot judge (the API server failed) is refused, as Kruise does,
/// so a release is never started natively by accident.
/// </summary>
/// <remarks>
/// On the leading replica it reads the controller's watch caches, as Kruise's webhook reads its informers: listing every
/// Rollout and ReplicaSet of the namespace per update cost 2 lists per Deployment update, each the size of the
/// namespace (benchmarks/controller.sh). A Rollout missing from the cache is looked up through the API server all the
/// same, so a Rollout created a moment ago is never missed; elsewhere (no cache yet, another replica) it lists.
/// </remarks>
internal sealed partial class DeploymentWebhook(IKubernetes client, ClusterCache cache, ILogger<DeploymentWebhook> logger)
{
    public const string Path = "/mutate-apps-v1-deployment";

    public async Task<JsonObject> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation != "UPDATE" || request.SubResource.Length > 0 || request.Object is not { } newObject || request.OldObject is not { } oldObject)
        {
            return request.Allow();
        }

        var metadata = newObject["metadata"] as JsonObject;
        var ns = request.Namespace ?? AdmissionRequest.Text(metadata?["namespace"]) ?? "default";
        var name = AdmissionRequest.Text(metadata?["name"]) ?? "";
        try
        {
            var rollout = await FindRolloutAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (rollout is null)
            {
                return request.Allow();
            }

            var replicaSets = await ReplicaSetsAsync(ns, AdmissionRequest.Text(metadata?["uid"]), cancellationToken).ConfigureAwait(false);
            var patch = DeploymentAdmission.Mutate(oldObject, newObject, rollout, replicaSets);
            if (patch is { Count: > 0 })
            {
                Log.Held(logger, ns, name, rollout.Metadata.Name, patch.ToJsonString());
            }

            return request.Allow(patch);
        }
        catch (JsonException e)
        {
            // Never from an API server, which decodes a Deployment before admission: whatever sent it gets the reason.
            return request.Deny(400, $"Deployment {ns}/{name} cannot be read: {e.Message}");
        }
        catch (HttpOperationException e)
        {
            Log.Failed(logger, ns, name, ApiCalls.Describe(e));
            return request.Deny(500, $"cannot decide whether Deployment {ns}/{name} starts a release: {ApiCalls.Describe(e)}");
        }
    }

    // The Deployment's own ReplicaSets (the admission looks at no other), from the cache when it is synced.
    private async Task<IReadOnlyList<V1ReplicaSet>> ReplicaSetsAsync(string ns, string? deploymentUid, CancellationToken cancellationToken)
    {
        if (!cache.ReplicaSets.IsSynced || string.IsNullOrEmpty(deploymentUid))
        {
            return (IReadOnlyList<V1ReplicaSet>)(await client.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
        }

        var owned = new List<V1ReplicaSet>();
        foreach (var rs in cache.ReplicaSets.List(ns))
        {
            if (rs["metadata"]?["ownerReferences"] is JsonArray owners && owners.Any(o => o?["uid"] is JsonValue uid && uid.TryGetValue<string>(out var text) && text == deploymentUid))
            {
                owned.Add(KubernetesJson.Deserialize<V1ReplicaSet>(rs.ToJsonString()));
            }
        }

        return owned;
    }

    // Kruise's fetchMatchedRollout: a live, not disabled Rollout in the namespace naming this Deployment.
    private async Task<Rollout?> FindRolloutAsync(string ns, string name, CancellationToken cancellationToken)
    {
        if (cache.Rollouts.IsSynced && Match(cache.Rollouts.List(ns), name) is { } cached)
        {
            return cached;
        }

        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(KruiseNames.Group, KruiseNames.V1Beta1, ns, KruiseNames.RolloutPlural, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Match((list?["items"] as JsonArray ?? []).OfType<JsonObject>(), name);
    }

    private static Rollout? Match(IEnumerable<JsonObject> rollouts, string name)
    {
        foreach (var item in rollouts)
        {
            Rollout rollout;
            try
            {
                rollout = RolloutConversion.Read(item);
            }
            catch (JsonException)
            {
                continue;
            }

            var target = rollout.Spec.WorkloadRef;
            if (rollout.Metadata.DeletionTimestamp is null && rollout.Status?.Phase != RolloutPhases.Disabled &&
                target is { Kind: "Deployment" } && target.Name == name && (target.ApiVersion ?? "").Split('/')[0] is "apps")
            {
                return rollout;
            }
        }

        return null;
    }
}
