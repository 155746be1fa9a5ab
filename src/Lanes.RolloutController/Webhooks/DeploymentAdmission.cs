using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using k8s;
using k8s.Models;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// Kruise's Deployment rules (pkg/webhook/workload/mutating/workload_update_handler.go handleDeployment), as a pure
/// function of the update, the governing Rollout and the Deployment's ReplicaSets: the JSONPatch that holds the
/// Deployment for a release, or none.
/// </summary>
internal static class DeploymentAdmission
{
    public static JsonArray? Mutate(JsonObject oldObject, JsonObject newObject, Rollout? rollout, IReadOnlyList<V1ReplicaSet> replicaSets)
    {
        ArgumentNullException.ThrowIfNull(oldObject);
        ArgumentNullException.ThrowIfNull(newObject);
        if (rollout?.Spec.Strategy.Canary is null)
        {
            return null;
        }

        // Typed first: a body that is not a Deployment throws JsonException here, which the webhook answers with a 400.
        var newDeployment = KubernetesJson.Deserialize<V1Deployment>(newObject.ToJsonString());
        var oldDeployment = KubernetesJson.Deserialize<V1Deployment>(oldObject.ToJsonString());
        if (newDeployment?.Spec is null || newDeployment.Metadata is null || oldDeployment is null)
        {
            // No API server sends a Deployment without metadata or spec; there is nothing to hold.
            return null;
        }

        var patch = new JsonArray();
        if (newDeployment.Metadata.Annotations?.TryGetValue(KruiseNames.InProgressingAnnotation, out var progressing) == true && !string.IsNullOrEmpty(progressing))
        {
            // A release holds the Deployment: it stays paused, and cannot be switched to Recreate meanwhile.
            if (newDeployment.Spec.Paused != true)
            {
                patch.Add(Op("add", "/spec/paused", true));
            }

            if (newDeployment.Spec.Strategy?.Type == "Recreate")
            {
                patch.Add(Op("add", "/spec/strategy", (oldObject["spec"] as JsonObject)?["strategy"]?.DeepClone() ?? new JsonObject()));
            }

            return patch;
        }

        if (newDeployment.Spec?.Replicas == 0 || !IsEffectiveRevisionChange(oldDeployment, newDeployment))
        {
            return null;
        }

        var uid = string.IsNullOrEmpty(newDeployment.Metadata.Uid) ? oldDeployment.Metadata?.Uid : newDeployment.Metadata.Uid;
        var active = new List<V1ReplicaSet>();
        foreach (var rs in replicaSets)
        {
            if ((rs.Spec?.Replicas ?? 0) > 0 && rs.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Uid == uid) == true)
            {
                active.Add(rs);
            }
        }

        // With traffic routing only a Deployment running one version can start a release.
        if (active.Count == 0 || (rollout.Spec.Strategy.Canary.TrafficRoutings is { Count: > 0 } && active.Count != 1))
        {
            return null;
        }

        if (StableReplicaSet(active, newDeployment) is { } stable && stable.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true)
        {
            AddMapEntry(patch, newObject, "labels", KruiseNames.StableRevisionLabel, hash);
        }

        patch.Add(Op("add", "/spec/paused", true));
        AddMapEntry(patch, newObject, "annotations", KruiseNames.InProgressingAnnotation, new JsonObject { ["rolloutName"] = rollout.Metadata.Name }.ToJsonString());
        return patch;
    }

    /// <summary>
    /// Kruise's <c>isEffectiveDeploymentRevisionChange</c>: with a rollout-id annotation only its change counts;
    /// without one, a template change other than the <c>pod-template-hash</c> label.
    /// </summary>
    internal static bool IsEffectiveRevisionChange(V1Deployment oldDeployment, V1Deployment newDeployment)
    {
        var newId = newDeployment.Metadata?.Annotations?.TryGetValue(KruiseNames.RolloutIdLabel, out var n) == true ? n ?? "" : "";
        var oldId = oldDeployment.Metadata?.Annotations?.TryGetValue(KruiseNames.RolloutIdLabel, out var o) == true ? o ?? "" : "";
        if (newId.Length > 0)
        {
            return oldId != newId;
        }

        return !PodTemplateRevision.AreEqual(oldDeployment.Spec?.Template, newDeployment.Spec?.Template);
    }

    // Kruise's FindCanaryAndStableReplicaSet: by revision, the first active ReplicaSet whose template is not the new one.
    private static V1ReplicaSet? StableReplicaSet(List<V1ReplicaSet> active, V1Deployment deployment)
    {
        active.Sort(static (a, b) =>
        {
            var ra = Revision(a);
            var rb = Revision(b);
            return ra is { } x && rb is { } y && x != y
                ? x.CompareTo(y)
                : Nullable.Compare(a.Metadata.CreationTimestamp, b.Metadata.CreationTimestamp);
        });
        foreach (var rs in active)
        {
            if (!PodTemplateRevision.AreEqual(rs.Spec.Template, deployment.Spec.Template))
            {
                return rs;
            }
        }

        return null;
    }

    private static long? Revision(V1ReplicaSet rs) =>
        rs.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var text) == true &&
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var revision) ? revision : null;

    private static void AddMapEntry(JsonArray patch, JsonObject target, string map, string key, string value)
    {
        if (target["metadata"]?[map] is JsonObject)
        {
            patch.Add(Op("add", $"/metadata/{map}/{Escape(key)}", value));
        }
        else
        {
            // The map is created once; later entries of the same patch go into it.
            var existing = patch.OfType<JsonObject>().FirstOrDefault(o => o["path"]?.GetValue<string>() == "/metadata/" + map);
            if (existing?["value"] is JsonObject created)
            {
                created[key] = value;
            }
            else
            {
                patch.Add(Op("add", "/metadata/" + map, new JsonObject { [key] = value }));
            }
        }
    }

    // RFC 6901: "~" and "/" inside a key.
    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static JsonObject Op(string op, string path, JsonNode? value) => new() { ["op"] = op, ["path"] = path, ["value"] = value };
}
