using System.Text.Json.Nodes;
using static Lanes.Kubernetes.Emulator.ReplicaSetFields;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// kube-controller-manager's ReplicaSet controller (k8s.io/kubernetes pkg/controller/replicaset): keeps
/// <c>spec.replicas</c> active pods (terminating and finished pods do not count), deletes not-ready and newer pods first,
/// and reports replicas, readyReplicas and availableReplicas (ready for <c>minReadySeconds</c>).
/// </summary>
internal sealed class ReplicaSetController(ResourceStore store, TimeProvider time, Kubelet kubelet)
{
    /// <summary>Syncs <paramref name="replicaSet"/>, given the pods it owns (read once per pass for all ReplicaSets).</summary>
    public void Sync(JsonObject replicaSet, IReadOnlyList<JsonObject> owned)
    {
        if (IsDeleting(replicaSet))
        {
            return;
        }

        var ns = Metadata(replicaSet, "namespace");
        var uid = Metadata(replicaSet, "uid");
        var desired = Replicas(replicaSet);
        var pods = owned
            .Where(p => !IsDeleting(p) && p["status"]?["phase"]?.GetValue<string>() is not ("Failed" or "Succeeded"))
            .ToList();
        for (var i = pods.Count; i < desired; i++)
        {
            var created = store.Create(ResourceType.Pods, ns, NewPod(replicaSet, uid));
            kubelet.Created(created);
            pods.Add(created);
        }

        if (pods.Count > desired)
        {
            // getPodsToDelete: not-ready pods go first, then the newest.
            foreach (var extra in pods.OrderBy(static p => Kubelet.IsReady(p))
                .ThenByDescending(static p => Metadata(p, "creationTimestamp"), StringComparer.Ordinal)
                .ThenByDescending(static p => Name(p), StringComparer.Ordinal)
                .Take(pods.Count - desired).ToList())
            {
                try
                {
                    store.Delete(Key(ResourceType.Pods, extra));
                }
                catch (ApiException)
                {
                    // Already gone.
                }

                pods.Remove(extra);
            }
        }

        var now = time.GetUtcNow();
        var minReadySeconds = JsonNumbers.ReadInt(replicaSet["spec"]?["minReadySeconds"]) ?? 0;
        var status = new JsonObject { ["replicas"] = pods.Count };
        Put(status, "fullyLabeledReplicas", pods.Count);
        Put(status, "readyReplicas", pods.Count(Kubelet.IsReady));
        Put(status, "availableReplicas", pods.Count(p => IsAvailable(p, minReadySeconds, now)));
        Put(status, "observedGeneration", JsonNumbers.ReadLong(replicaSet["metadata"]?["generation"]) ?? 1);
        if (!JsonNode.DeepEquals(replicaSet["status"], status))
        {
            store.Mutate(Key(ResourceType.ReplicaSets, replicaSet), rs =>
            {
                rs["status"] = status.DeepClone();
                return true;
            }, statusOnly: true);
        }
    }

    // ReplicaSetStatus serialises zero counts away (omitempty), except replicas.
    private static void Put(JsonObject status, string field, long value)
    {
        if (value != 0)
        {
            status[field] = value;
        }
    }

    private static JsonObject NewPod(JsonObject replicaSet, string uid)
    {
        var template = replicaSet["spec"]?["template"] as JsonObject ?? [];
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = Name(replicaSet) + "-",
                ["labels"] = template["metadata"]?["labels"]?.DeepClone(),
                ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "ReplicaSet",
                    ["name"] = Name(replicaSet),
                    ["uid"] = uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = template["spec"]?.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        };
    }
}
