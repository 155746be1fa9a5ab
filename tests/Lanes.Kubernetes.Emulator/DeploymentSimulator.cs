using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// A small stand-in for kube-controller-manager and the kubelet: Deployments own ReplicaSets stamped with
/// <c>pod-template-hash</c>, ReplicaSets own pods, a paused Deployment never starts a new ReplicaSet, the
/// <see cref="Kubelet"/> gives pods addresses and readiness, and the <see cref="EndpointSliceController"/> lists
/// each Service's pods in EndpointSlices.
/// </summary>
internal sealed class DeploymentSimulator : IAsyncDisposable
{
    private readonly ResourceStore _store;
    private readonly EmulatorOptions _options;
    private readonly Kubelet _kubelet;
    private readonly EndpointSliceController _endpointSlices;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DeploymentSimulator(ResourceStore store, EmulatorOptions options)
    {
        _store = store;
        _options = options;
        _kubelet = new Kubelet(store, options);
        _endpointSlices = new EndpointSliceController(store);
        _store.Changed += OnChanged;
        _loop = Task.Run(RunAsync);
    }

    private void OnChanged(WatchEvent e)
    {
        if (e.Key.Type == ResourceType.Deployments || e.Key.Type == ResourceType.ReplicaSets || e.Key.Type == ResourceType.Pods || e.Key.Type == ResourceType.Services)
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _ = await _signal.WaitAsync(_options.SimulationTick, _stop.Token).ConfigureAwait(false);
                SimulateOnce();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ApiException)
            {
                // Raced with a client write; the next pass sees the newer state.
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                // Keep simulating; a test can assert there were none.
                Failures.Enqueue(e);
            }
        }
    }

    /// <summary>Unexpected errors of the simulation loop (a bug in the emulator if not empty).</summary>
    public ConcurrentQueue<Exception> Failures { get; } = new();

    /// <summary>One level-triggered pass over every Deployment, ReplicaSet, pod and Service.</summary>
    public void SimulateOnce()
    {
        foreach (var deployment in _store.List(ResourceType.Deployments, null).Items)
        {
            ReconcileDeployment(deployment);
        }

        foreach (var replicaSet in _store.List(ResourceType.ReplicaSets, null).Items)
        {
            ReconcileReplicaSet(replicaSet);
        }

        _kubelet.SimulateOnce();
        _endpointSlices.SimulateOnce();
    }

    private void ReconcileDeployment(JsonObject deployment)
    {
        var ns = Metadata(deployment, "namespace");
        var name = Metadata(deployment, "name");
        var uid = Metadata(deployment, "uid");
        if (deployment["metadata"]?["deletionTimestamp"] is not null)
        {
            return;
        }

        var spec = deployment["spec"] as JsonObject ?? [];
        var replicas = JsonNumbers.ReadInt(spec["replicas"]) ?? 1;
        var paused = spec["paused"]?.GetValue<bool>() ?? false;
        var template = spec["template"];
        var hash = PodTemplateHash.Compute(template);
        var owned = _store.List(ResourceType.ReplicaSets, ns).Items.Where(rs => IsOwnedBy(rs, uid)).ToList();
        var current = owned.FirstOrDefault(rs => rs["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() == hash);

        if (!paused)
        {
            if (current is null)
            {
                current = _store.Create(ResourceType.ReplicaSets, ns, NewReplicaSet(deployment, name, uid, hash, replicas));
            }
            else if (Replicas(current) != replicas)
            {
                current = _store.Mutate(Key(ResourceType.ReplicaSets, current), rs => Set(rs, "spec", "replicas", replicas));
            }

            // Surge first, then drain the old ReplicaSets once the new one is fully ready.
            var ready = JsonNumbers.ReadInt(current?["status"]?["readyReplicas"]) ?? 0;
            if (ready >= replicas)
            {
                foreach (var old in owned.Where(rs => rs != current && Replicas(rs) != 0 && Metadata(rs, "name") != Metadata(current!, "name")))
                {
                    _store.Mutate(Key(ResourceType.ReplicaSets, old), rs => Set(rs, "spec", "replicas", 0));
                }
            }
        }
        else
        {
            // Scaling still works while paused when a single ReplicaSet is active.
            var active = owned.Where(static rs => Replicas(rs) > 0).ToList();
            var only = active.Count == 1 ? active[0] : owned.Count == 1 ? owned[0] : null;
            if (only is not null && Replicas(only) != replicas)
            {
                _store.Mutate(Key(ResourceType.ReplicaSets, only), rs => Set(rs, "spec", "replicas", replicas));
            }
        }

        owned = _store.List(ResourceType.ReplicaSets, ns).Items.Where(rs => IsOwnedBy(rs, uid)).ToList();
        current = owned.FirstOrDefault(rs => rs["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() == hash);
        var status = new JsonObject
        {
            ["observedGeneration"] = JsonNumbers.ReadLong(deployment["metadata"]?["generation"]) ?? 1,
            ["replicas"] = owned.Sum(static rs => StatusInt(rs, "replicas")),
            ["updatedReplicas"] = current is null ? 0 : StatusInt(current, "replicas"),
            ["readyReplicas"] = owned.Sum(static rs => StatusInt(rs, "readyReplicas")),
            ["availableReplicas"] = owned.Sum(static rs => StatusInt(rs, "availableReplicas")),
        };
        status["unavailableReplicas"] = Math.Max(0, replicas - (JsonNumbers.ReadInt(status["availableReplicas"]) ?? 0));
        if (!JsonNode.DeepEquals(deployment["status"], status))
        {
            _store.Mutate(Key(ResourceType.Deployments, deployment), d =>
            {
                d["status"] = status.DeepClone();
                return true;
            }, statusOnly: true);
        }
    }

    private void ReconcileReplicaSet(JsonObject replicaSet)
    {
        var ns = Metadata(replicaSet, "namespace");
        var uid = Metadata(replicaSet, "uid");
        var desired = Replicas(replicaSet);
        // A terminating pod no longer counts: its replacement starts while it drains, as in Kubernetes.
        var pods = _store.List(ResourceType.Pods, ns).Items.Where(p => IsOwnedBy(p, uid) && p["metadata"]?["deletionTimestamp"] is null).ToList();
        for (var i = pods.Count; i < desired; i++)
        {
            var pod = NewPod(replicaSet, uid);
            var created = _store.Create(ResourceType.Pods, ns, pod);
            _kubelet.Created(created);
            pods.Add(created);
        }

        foreach (var extra in pods.OrderByDescending(static p => Metadata(p, "name"), StringComparer.Ordinal).Take(Math.Max(0, pods.Count - desired)).ToList())
        {
            try
            {
                _store.Delete(Key(ResourceType.Pods, extra));
            }
            catch (ApiException)
            {
                // Already gone.
            }

            pods.Remove(extra);
        }

        var ready = pods.Count(Kubelet.IsReady);

        var status = new JsonObject
        {
            ["observedGeneration"] = JsonNumbers.ReadLong(replicaSet["metadata"]?["generation"]) ?? 1,
            ["replicas"] = pods.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
        };
        if (!JsonNode.DeepEquals(replicaSet["status"], status))
        {
            _store.Mutate(Key(ResourceType.ReplicaSets, replicaSet), rs =>
            {
                rs["status"] = status.DeepClone();
                return true;
            }, statusOnly: true);
        }
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, string name, string uid, string hash, int replicas)
    {
        var template = (JsonObject)(deployment["spec"]?["template"]?.DeepClone() ?? new JsonObject());
        var templateMetadata = template["metadata"] as JsonObject ?? [];
        template["metadata"] = templateMetadata;
        var labels = templateMetadata["labels"] as JsonObject ?? [];
        templateMetadata["labels"] = labels;
        labels["pod-template-hash"] = hash;
        var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? [];
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        selector["matchLabels"] = matchLabels;
        matchLabels["pod-template-hash"] = hash;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name + "-" + hash,
                ["labels"] = labels.DeepClone(),
                ["ownerReferences"] = new JsonArray(Owner("apps/v1", "Deployment", name, uid)),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = template },
        };
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
                ["generateName"] = Metadata(replicaSet, "name") + "-",
                ["labels"] = template["metadata"]?["labels"]?.DeepClone(),
                ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(Owner("apps/v1", "ReplicaSet", Metadata(replicaSet, "name"), uid)),
            },
            ["spec"] = template["spec"]?.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        };
    }

    private static JsonObject Owner(string apiVersion, string kind, string name, string uid) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static bool IsOwnedBy(JsonObject obj, string uid) =>
        obj["metadata"]?["ownerReferences"] is JsonArray owners && owners.Any(o => o?["uid"]?.GetValue<string>() == uid);

    private static int Replicas(JsonObject obj) => JsonNumbers.ReadInt(obj["spec"]?["replicas"]) ?? 1;

    private static int StatusInt(JsonObject obj, string field) => JsonNumbers.ReadInt(obj["status"]?[field]) ?? 0;

    private static string Metadata(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";

    private static StoredObjectKey Key(ResourceType type, JsonObject obj) => new(type, Metadata(obj, "namespace"), Metadata(obj, "name"));

    private static bool Set(JsonObject obj, string section, string field, int value)
    {
        var node = obj[section] as JsonObject ?? [];
        obj[section] = node;
        node[field] = value;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _store.Changed -= OnChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _signal.Dispose();
    }
}
