using System.Globalization;
using System.Text.Json.Nodes;
using static Lanes.Kubernetes.Emulator.DeploymentConditions;
using static Lanes.Kubernetes.Emulator.DeploymentStrategy;
using static Lanes.Kubernetes.Emulator.ReplicaSetFields;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// kube-controller-manager's Deployment controller for one Deployment per call, following k8s.io/kubernetes
/// pkg/controller/deployment (sync.go, rolling.go, recreate.go, progress.go) and
/// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/: the new ReplicaSet surges within maxSurge,
/// old ones drain within maxUnavailable (unhealthy replicas first), a pod counts as available after minReadySeconds,
/// a paused Deployment only scales, Recreate drains every old pod before the new ReplicaSet starts, proportional
/// scaling mid-rollout, revision annotations and history cleanup, and the Progressing and Available conditions.
/// </summary>
internal sealed class DeploymentController(ResourceStore store, TimeProvider time)
{
    private readonly Dictionary<string, JsonObject> _replicaSets = new(StringComparer.Ordinal);
    private JsonObject _deployment = [];
    private DateTimeOffset _now;

    /// <summary>Syncs <paramref name="deployment"/>, given the ReplicaSets it owns (read once per pass for all Deployments).</summary>
    public void Sync(JsonObject deployment, IReadOnlyList<JsonObject> owned)
    {
        _deployment = deployment;
        _now = time.GetUtcNow();
        _replicaSets.Clear();
        foreach (var rs in owned)
        {
            _replicaSets[Name(rs)] = rs;
        }

        if (deployment["status"] is not JsonObject)
        {
            deployment["status"] = new JsonObject();
        }

        if (IsDeleting(deployment))
        {
            var (newRs, old) = GetAllReplicaSets(create: false);
            SyncDeploymentStatus(All(newRs, old), newRs);
            return;
        }

        CheckPausedConditions();
        if (IsPaused(deployment) || IsScalingEvent())
        {
            SyncScale();
        }
        else if (IsRecreate(deployment))
        {
            RolloutRecreate();
        }
        else
        {
            RolloutRolling();
        }
    }

    private JsonObject Status => (JsonObject)_deployment["status"]!;

    private int DesiredReplicas => Replicas(_deployment);

    private JsonObject Rs(string name) => _replicaSets[name];

    private static List<string> All(string? newRs, List<string> old) => newRs is null ? [.. old] : [.. old, newRs];

    private List<string> Active(IEnumerable<string> names) => names.Where(n => Replicas(Rs(n)) > 0).ToList();

    private int Sum(IEnumerable<string> names, Func<JsonObject, int> value) => names.Sum(n => value(Rs(n)));

    private List<string> SortedByCreation(IEnumerable<string> names)
    {
        var sorted = names.ToList();
        sorted.Sort((a, b) => ByCreation(Rs(a), Rs(b)));
        return sorted;
    }

    // rolling.go rolloutRolling.
    private void RolloutRolling()
    {
        var (newRs, old) = GetAllReplicaSets(create: true);
        var all = All(newRs, old);
        if (ReconcileNewReplicaSet(all, newRs) || ReconcileOldReplicaSets(all, Active(old), newRs))
        {
            SyncRolloutStatus(all, newRs);
            return;
        }

        if (IsComplete(Status))
        {
            CleanupDeployment(old);
        }

        SyncRolloutStatus(all, newRs);
    }

    // recreate.go rolloutRecreate: old ReplicaSets to 0, wait until none of their pods runs, then the new one at full size.
    private void RolloutRecreate()
    {
        var (newRs, old) = GetAllReplicaSets(create: false);
        var scaledDown = false;
        foreach (var name in Active(old))
        {
            scaledDown |= Scale(name, 0);
        }

        if (scaledDown || OldPodsRunning(old))
        {
            SyncRolloutStatus(All(newRs, old), newRs);
            return;
        }

        if (newRs is null)
        {
            (newRs, old) = GetAllReplicaSets(create: true);
        }

        Scale(newRs!, DesiredReplicas);
        if (IsComplete(Status))
        {
            CleanupDeployment(old);
        }

        SyncRolloutStatus(All(newRs, old), newRs);
    }

    private bool OldPodsRunning(List<string> old)
    {
        if (Sum(old, static rs => ReplicaSetFields.Status(rs, "replicas")) > 0)
        {
            return true;
        }

        var uids = old.Select(n => Metadata(Rs(n), "uid")).ToHashSet(StringComparer.Ordinal);
        return store.List(ResourceType.Pods, Metadata(_deployment, "namespace")).Items.Any(p =>
            uids.Any(uid => IsOwnedBy(p, uid)) && p["status"]?["phase"]?.GetValue<string>() is not ("Failed" or "Succeeded"));
    }

    // sync.go sync: what a paused Deployment or a scaling event gets: scaling, no rollout.
    private void SyncScale()
    {
        var (newRs, old) = GetAllReplicaSets(create: false);
        ScaleAll(newRs, old);
        if (IsPaused(_deployment))
        {
            CleanupDeployment(old);
        }

        SyncDeploymentStatus(All(newRs, old), newRs);
    }

    // sync.go isScalingEvent: an active ReplicaSet was sized for another replica count.
    private bool IsScalingEvent()
    {
        var (newRs, old) = GetAllReplicaSets(create: false);
        return Active(All(newRs, old)).Any(n => IntAnnotation(Rs(n), DesiredReplicasAnnotation) is { } desired && desired != DesiredReplicas);
    }

    // sync.go checkPausedConditions: Progressing Unknown while paused, so a resumed Deployment does not time out at once.
    private void CheckPausedConditions()
    {
        if (ProgressDeadline(_deployment) is null)
        {
            return;
        }

        var condition = Get(Status, Progressing);
        if (Reason(condition) == ProgressDeadlineExceeded)
        {
            return;
        }

        var pausedReported = Reason(condition) == DeploymentPaused;
        if (IsPaused(_deployment) && !pausedReported)
        {
            Set(Status, New(Progressing, "Unknown", DeploymentPaused, "Deployment is paused", _now));
            WriteStatus(Status);
        }
        else if (!IsPaused(_deployment) && pausedReported)
        {
            Set(Status, New(Progressing, "Unknown", DeploymentResumed, "Deployment is resumed", _now));
            WriteStatus(Status);
        }
    }

    // sync.go getAllReplicaSetsAndSyncRevision / getNewReplicaSet.
    private (string? New, List<string> Old) GetAllReplicaSets(bool create)
    {
        var hash = PodTemplateHash.Compute(_deployment["spec"]?["template"]);
        var newRs = SortedByCreation(_replicaSets.Keys).FirstOrDefault(n => Rs(n)["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() == hash);
        var old = _replicaSets.Keys.Where(n => n != newRs).ToList();
        var newRevision = (old.Count == 0 ? 0 : old.Max(n => Revision(Rs(n)))) + 1;
        if (newRs is not null)
        {
            var rs = Rs(newRs);
            var minReady = MinReadySeconds(_deployment);
            if (Revision(rs) < newRevision || (JsonNumbers.ReadInt(rs["spec"]?["minReadySeconds"]) ?? 0) != minReady)
            {
                Store(store.Mutate(Key(ResourceType.ReplicaSets, rs), r =>
                {
                    SetAnnotation(r, RevisionAnnotation, Math.Max(Revision(r), newRevision).ToString(CultureInfo.InvariantCulture));
                    ((JsonObject)r["spec"]!)["minReadySeconds"] = minReady;
                    return true;
                }));
            }

            SetDeploymentRevision(Revision(Rs(newRs)));
            if (ProgressDeadline(_deployment) is not null && Get(Status, Progressing) is null)
            {
                Set(Status, New(Progressing, "True", FoundNewReplicaSet, $"Found new replica set \"{newRs}\"", _now));
                WriteStatus(Status);
            }

            return (newRs, old);
        }

        if (!create)
        {
            return (null, old);
        }

        var replicas = NewReplicaSetReplicas(old, 0);
        var created = store.Create(ResourceType.ReplicaSets, Metadata(_deployment, "namespace"), NewReplicaSet(hash, replicas, newRevision));
        Store(created);
        SetDeploymentRevision(newRevision);
        if (ProgressDeadline(_deployment) is not null)
        {
            Set(Status, New(Progressing, "True", NewReplicaSetCreated, $"Created new replica set \"{Name(created)}\"", _now));
            WriteStatus(Status);
        }

        return (Name(created), old);
    }

    // rolling.go reconcileNewReplicaSet.
    private bool ReconcileNewReplicaSet(List<string> all, string? newRs)
    {
        if (newRs is null || Replicas(Rs(newRs)) == DesiredReplicas)
        {
            return false;
        }

        return Scale(newRs, Replicas(Rs(newRs)) > DesiredReplicas ? DesiredReplicas : NewReplicaSetReplicas(all.Where(n => n != newRs), Replicas(Rs(newRs))));
    }

    // deployment_util.go NewRSNewReplicas: surge up to replicas + maxSurge pods in all ReplicaSets.
    private int NewReplicaSetReplicas(IEnumerable<string> others, int newReplicas)
    {
        if (IsRecreate(_deployment))
        {
            return DesiredReplicas;
        }

        var current = Sum(others, Replicas) + newReplicas;
        var maxTotal = DesiredReplicas + MaxSurge(_deployment);
        if (current >= maxTotal)
        {
            return newReplicas;
        }

        return newReplicas + Math.Min(maxTotal - current, DesiredReplicas - newReplicas);
    }

    // rolling.go reconcileOldReplicaSets: scale down within maxUnavailable, unhealthy replicas first.
    private bool ReconcileOldReplicaSets(List<string> all, List<string> activeOld, string? newRs)
    {
        if (Sum(activeOld, Replicas) == 0)
        {
            return false;
        }

        var minAvailable = DesiredReplicas - MaxUnavailable(_deployment);
        var newUnavailable = newRs is null ? 0 : Replicas(Rs(newRs)) - ReplicaSetFields.Status(Rs(newRs), "availableReplicas");
        var maxScaledDown = Sum(all, Replicas) - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return false;
        }

        var cleaned = CleanupUnhealthyReplicas(activeOld, maxScaledDown);
        var scaledDown = ScaleDownOldReplicaSets(all, activeOld);
        return cleaned + scaledDown > 0;
    }

    private int CleanupUnhealthyReplicas(List<string> old, int maxCleanup)
    {
        var total = 0;
        foreach (var name in SortedByCreation(old))
        {
            if (total >= maxCleanup)
            {
                break;
            }

            var replicas = Replicas(Rs(name));
            var healthy = ReplicaSetFields.Status(Rs(name), "availableReplicas");
            if (replicas == 0 || replicas == healthy)
            {
                continue;
            }

            var count = Math.Min(maxCleanup - total, replicas - healthy);
            Scale(name, replicas - count);
            total += count;
        }

        return total;
    }

    private int ScaleDownOldReplicaSets(List<string> all, List<string> old)
    {
        var minAvailable = DesiredReplicas - MaxUnavailable(_deployment);
        var available = Sum(all, static rs => ReplicaSetFields.Status(rs, "availableReplicas"));
        if (available <= minAvailable)
        {
            return 0;
        }

        var target = available - minAvailable;
        var total = 0;
        foreach (var name in SortedByCreation(old))
        {
            if (total >= target)
            {
                break;
            }

            var replicas = Replicas(Rs(name));
            if (replicas == 0)
            {
                continue;
            }

            var count = Math.Min(replicas, target - total);
            Scale(name, replicas - count);
            total += count;
        }

        return total;
    }

    // sync.go scale: one active ReplicaSet takes the new size; otherwise proportional scaling across the active ones.
    private void ScaleAll(string? newRs, List<string> old)
    {
        if (ActiveOrLatest(newRs, old) is { } only)
        {
            Scale(only, DesiredReplicas);
            return;
        }

        if (newRs is not null && IsSaturated(Rs(newRs)))
        {
            foreach (var name in Active(old))
            {
                Scale(name, 0);
            }

            return;
        }

        if (IsRecreate(_deployment))
        {
            return;
        }

        var active = Active(All(newRs, old));
        var allowed = DesiredReplicas > 0 ? DesiredReplicas + MaxSurge(_deployment) : 0;
        var toAdd = allowed - Sum(active, Replicas);
        active.Sort((a, b) =>
        {
            var bySize = Replicas(Rs(b)).CompareTo(Replicas(Rs(a)));
            if (bySize != 0)
            {
                return bySize;
            }

            // Scaling up, newer ReplicaSets first; scaling down, older first.
            return toAdd > 0 ? ByCreation(Rs(b), Rs(a)) : ByCreation(Rs(a), Rs(b));
        });
        var added = 0;
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in active)
        {
            var proportion = toAdd == 0 ? 0 : Proportion(Rs(name), toAdd, added);
            sizes[name] = Replicas(Rs(name)) + proportion;
            added += proportion;
        }

        for (var i = 0; i < active.Count; i++)
        {
            if (i == 0 && toAdd != 0)
            {
                sizes[active[i]] = Math.Max(0, sizes[active[i]] + toAdd - added);
            }

            Scale(active[i], sizes[active[i]]);
        }
    }

    // deployment_util.go GetProportion / getReplicaSetFraction, from the max-replicas annotation of the last scaling.
    private int Proportion(JsonObject rs, int toAdd, int added)
    {
        var replicas = Replicas(rs);
        if (replicas == 0 || toAdd == added)
        {
            return 0;
        }

        int fraction;
        if (DesiredReplicas == 0)
        {
            fraction = -replicas;
        }
        else
        {
            var annotated = IntAnnotation(rs, MaxReplicasAnnotation) ?? ReplicaSetFields.Status(_deployment, "replicas");
            fraction = annotated <= 0 ? 0 : (int)Math.Floor(((double)replicas * (DesiredReplicas + MaxSurge(_deployment)) / annotated) + 0.5) - replicas;
        }

        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    private string? ActiveOrLatest(string? newRs, List<string> old)
    {
        if (newRs is null && old.Count == 0)
        {
            return null;
        }

        var newestFirst = SortedByCreation(old);
        newestFirst.Reverse();
        var active = Active(All(newRs, newestFirst));
        return active.Count switch
        {
            0 => newRs ?? newestFirst[0],
            1 => active[0],
            _ => null,
        };
    }

    private bool IsSaturated(JsonObject rs) =>
        Replicas(rs) == DesiredReplicas && IntAnnotation(rs, DesiredReplicasAnnotation) == DesiredReplicas &&
        ReplicaSetFields.Status(rs, "availableReplicas") == DesiredReplicas;

    // sync.go cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit are deleted, oldest revision first.
    private void CleanupDeployment(List<string> old)
    {
        var cleanable = old.Where(n => !IsDeleting(Rs(n))).ToList();
        var excess = cleanable.Count - RevisionHistoryLimit(_deployment);
        if (excess <= 0)
        {
            return;
        }

        cleanable.Sort((a, b) => ByRevision(Rs(a), Rs(b)));
        foreach (var name in cleanable.Take(excess))
        {
            var rs = Rs(name);
            if (ReplicaSetFields.Status(rs, "replicas") != 0 || Replicas(rs) != 0 ||
                (JsonNumbers.ReadLong(rs["metadata"]?["generation"]) ?? 1) > (JsonNumbers.ReadLong(rs["status"]?["observedGeneration"]) ?? 0))
            {
                continue;
            }

            store.Delete(Key(ResourceType.ReplicaSets, rs));
        }
    }

    // Scales a ReplicaSet and stamps the desired/max replicas it was sized for; true when its size changed.
    private bool Scale(string name, int replicas)
    {
        var rs = Rs(name);
        var max = DesiredReplicas + MaxSurge(_deployment);
        var resize = Replicas(rs) != replicas;
        if (!resize && IntAnnotation(rs, DesiredReplicasAnnotation) == DesiredReplicas && IntAnnotation(rs, MaxReplicasAnnotation) == max)
        {
            return false;
        }

        Store(store.Mutate(Key(ResourceType.ReplicaSets, rs), r =>
        {
            ((JsonObject)r["spec"]!)["replicas"] = replicas;
            SetAnnotation(r, DesiredReplicasAnnotation, DesiredReplicas.ToString(CultureInfo.InvariantCulture));
            SetAnnotation(r, MaxReplicasAnnotation, max.ToString(CultureInfo.InvariantCulture));
            return true;
        }));
        return resize;
    }

    private void Store(JsonObject? rs)
    {
        if (rs is not null)
        {
            _replicaSets[Name(rs)] = rs;
        }
    }

    private void SetDeploymentRevision(long revision)
    {
        var text = revision.ToString(CultureInfo.InvariantCulture);
        if (Annotation(_deployment, RevisionAnnotation) == text)
        {
            return;
        }

        if (store.Mutate(Key(ResourceType.Deployments, _deployment), d =>
        {
            SetAnnotation(d, RevisionAnnotation, text);
            return true;
        }) is { } updated)
        {
            updated["status"] = Status.DeepClone();
            _deployment = updated;
        }
    }

    // progress.go syncRolloutStatus: the Progressing condition follows the rollout and times out after progressDeadlineSeconds.
    private void SyncRolloutStatus(List<string> all, string? newRs)
    {
        var status = CalculateStatus(all, newRs);
        var deadline = ProgressDeadline(_deployment);
        if (deadline is null)
        {
            Remove(status, Progressing);
        }

        var current = Get(Status, Progressing);
        var complete = Int(status, "replicas") == Int(status, "updatedReplicas") && Reason(current) == NewReplicaSetAvailable;
        if (deadline is { } progressDeadline && !complete)
        {
            var subject = newRs is null ? $"Deployment \"{Name(_deployment)}\"" : $"ReplicaSet \"{newRs}\"";
            if (IsComplete(status))
            {
                Set(status, New(Progressing, "True", NewReplicaSetAvailable, $"{subject} has successfully progressed.", _now));
            }
            else if (IsProgressing(status))
            {
                var condition = New(Progressing, "True", ReplicaSetUpdated, $"{subject} is progressing.", _now);
                if (current is not null)
                {
                    if (current["status"]?.GetValue<string>() == "True")
                    {
                        condition["lastTransitionTime"] = current["lastTransitionTime"]?.DeepClone();
                    }

                    Remove(status, Progressing);
                }

                Set(status, condition);
            }
            else if (IsTimedOut(status, progressDeadline))
            {
                Set(status, New(Progressing, "False", ProgressDeadlineExceeded, $"{subject} has timed out progressing.", _now));
            }
        }

        WriteStatus(status);
    }

    private void SyncDeploymentStatus(List<string> all, string? newRs) => WriteStatus(CalculateStatus(all, newRs));

    // sync.go calculateStatus; zero counts are omitted as the API serialises them (omitempty).
    private JsonObject CalculateStatus(List<string> all, string? newRs)
    {
        var available = Sum(all, static rs => ReplicaSetFields.Status(rs, "availableReplicas"));
        var status = new JsonObject();
        void Put(string field, long value)
        {
            if (value != 0)
            {
                status[field] = value;
            }
        }

        Put("observedGeneration", JsonNumbers.ReadLong(_deployment["metadata"]?["generation"]) ?? 1);
        Put("replicas", Sum(all, static rs => ReplicaSetFields.Status(rs, "replicas")));
        Put("updatedReplicas", newRs is null ? 0 : ReplicaSetFields.Status(Rs(newRs), "replicas"));
        Put("readyReplicas", Sum(all, static rs => ReplicaSetFields.Status(rs, "readyReplicas")));
        Put("availableReplicas", available);
        Put("unavailableReplicas", Math.Max(0, Sum(all, Replicas) - available));
        if (Status["collisionCount"] is { } collisions)
        {
            status["collisionCount"] = collisions.DeepClone();
        }

        if (Status["conditions"] is JsonArray conditions)
        {
            status["conditions"] = conditions.DeepClone();
        }

        if (available >= DesiredReplicas - MaxUnavailable(_deployment))
        {
            Set(status, New(Available, "True", MinimumReplicasAvailable, "Deployment has minimum availability.", _now));
        }
        else
        {
            Set(status, New(Available, "False", MinimumReplicasUnavailable, "Deployment does not have minimum availability.", _now));
        }

        return status;
    }

    // deployment_util.go DeploymentComplete.
    private bool IsComplete(JsonObject status) =>
        Int(status, "updatedReplicas") == DesiredReplicas && Int(status, "replicas") == DesiredReplicas &&
        Int(status, "availableReplicas") == DesiredReplicas &&
        (JsonNumbers.ReadLong(status["observedGeneration"]) ?? 0) >= (JsonNumbers.ReadLong(_deployment["metadata"]?["generation"]) ?? 1);

    // deployment_util.go DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last written.
    private bool IsProgressing(JsonObject status)
    {
        var old = Status;
        return Int(status, "updatedReplicas") > Int(old, "updatedReplicas") ||
            Int(status, "replicas") - Int(status, "updatedReplicas") < Int(old, "replicas") - Int(old, "updatedReplicas") ||
            Int(status, "readyReplicas") > Int(old, "readyReplicas") ||
            Int(status, "availableReplicas") > Int(old, "availableReplicas");
    }

    // deployment_util.go DeploymentTimedOut: no progress since the condition's lastUpdateTime for longer than the deadline.
    private bool IsTimedOut(JsonObject status, TimeSpan deadline)
    {
        var condition = Get(status, Progressing);
        return Reason(condition) switch
        {
            null or NewReplicaSetAvailable => false,
            ProgressDeadlineExceeded => true,
            _ => Time(condition!["lastUpdateTime"]) is { } from && from + deadline < _now,
        };
    }

    private void WriteStatus(JsonObject status)
    {
        var key = Key(ResourceType.Deployments, _deployment);
        var stored = store.Get(key);
        if (stored is null || JsonNode.DeepEquals(stored["status"], status))
        {
            _deployment["status"] = status.DeepClone();
            return;
        }

        if (store.Mutate(key, d =>
        {
            d["status"] = status.DeepClone();
            return true;
        }, statusOnly: true) is { } updated)
        {
            _deployment = updated;
        }
    }

    private JsonObject NewReplicaSet(string hash, int replicas, long revision)
    {
        var name = Name(_deployment);
        var template = (JsonObject)(_deployment["spec"]?["template"]?.DeepClone() ?? new JsonObject());
        var templateMetadata = template["metadata"] as JsonObject ?? [];
        template["metadata"] = templateMetadata;
        var labels = templateMetadata["labels"] as JsonObject ?? [];
        templateMetadata["labels"] = labels;
        labels["pod-template-hash"] = hash;
        var selector = _deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? [];
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        selector["matchLabels"] = matchLabels;
        matchLabels["pod-template-hash"] = hash;

        // The Deployment's annotations are copied, except kubectl's and the controller's own.
        var annotations = new JsonObject();
        foreach (var (key, value) in _deployment["metadata"]?["annotations"] as JsonObject ?? [])
        {
            if (key != "kubectl.kubernetes.io/last-applied-configuration" && !key.StartsWith("deployment.kubernetes.io/", StringComparison.Ordinal))
            {
                annotations[key] = value?.DeepClone();
            }
        }

        annotations[RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture);
        annotations[DesiredReplicasAnnotation] = DesiredReplicas.ToString(CultureInfo.InvariantCulture);
        annotations[MaxReplicasAnnotation] = (DesiredReplicas + MaxSurge(_deployment)).ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name + "-" + hash,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "Deployment",
                    ["name"] = name,
                    ["uid"] = Metadata(_deployment, "uid"),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["minReadySeconds"] = MinReadySeconds(_deployment),
                ["selector"] = selector,
                ["template"] = template,
            },
        };
    }

    private static void SetAnnotation(JsonObject obj, string name, string value)
    {
        var metadata = (JsonObject)obj["metadata"]!;
        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        annotations[name] = value;
    }

    private static int Int(JsonObject status, string field) => JsonNumbers.ReadInt(status[field]) ?? 0;
}
