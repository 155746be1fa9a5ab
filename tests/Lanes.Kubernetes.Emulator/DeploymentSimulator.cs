using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// A small stand-in for kube-controller-manager and the kubelet: the <see cref="DeploymentController"/> rolls
/// Deployments out through ReplicaSets stamped with <c>pod-template-hash</c>, the <see cref="ReplicaSetController"/>
/// keeps their pods, the <see cref="Kubelet"/> gives pods addresses and readiness and lets deleted pods terminate, and
/// the <see cref="EndpointSliceController"/> lists each Service's pods in EndpointSlices. Passes run on every change and
/// every <see cref="EmulatorOptions.SimulationTick"/>, so time-based rules (minReadySeconds, progress deadlines) move on.
/// </summary>
internal sealed class DeploymentSimulator : IAsyncDisposable
{
    private readonly ResourceStore _store;
    private readonly EmulatorOptions _options;
    private readonly Kubelet _kubelet;
    private readonly DeploymentController _deployments;
    private readonly ReplicaSetController _replicaSets;
    private readonly EndpointSliceController _endpointSlices;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DeploymentSimulator(ResourceStore store, EmulatorOptions options)
    {
        _store = store;
        _options = options;
        _kubelet = new Kubelet(store, options);
        _deployments = new DeploymentController(store, options.TimeProvider);
        _replicaSets = new ReplicaSetController(store, options.TimeProvider, _kubelet);
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
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or KeyNotFoundException)
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
        // Each kind is read once per pass and grouped by owner, so a pass stays linear in the number of objects.
        var replicaSets = _store.List(ResourceType.ReplicaSets, null).Items;
        var replicaSetsByOwner = ByOwner(replicaSets);
        foreach (var deployment in _store.List(ResourceType.Deployments, null).Items)
        {
            Isolated(d => _deployments.Sync(d, replicaSetsByOwner.GetValueOrDefault(ReplicaSetFields.Metadata(d, "uid")) ?? []), deployment);
        }

        var podsByOwner = ByOwner(_store.List(ResourceType.Pods, null).Items);
        foreach (var replicaSet in _store.List(ResourceType.ReplicaSets, null).Items)
        {
            Isolated(rs => _replicaSets.Sync(rs, podsByOwner.GetValueOrDefault(ReplicaSetFields.Metadata(rs, "uid")) ?? []), replicaSet);
        }

        _kubelet.SimulateOnce();
        _endpointSlices.SimulateOnce();
    }

    private static Dictionary<string, List<JsonObject>> ByOwner(IReadOnlyList<JsonObject> objects)
    {
        var byOwner = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            foreach (var owner in obj["metadata"]?["ownerReferences"] as JsonArray ?? [])
            {
                if (owner?["uid"]?.GetValue<string>() is { } uid)
                {
                    if (!byOwner.TryGetValue(uid, out var owned))
                    {
                        owned = [];
                        byOwner[uid] = owned;
                    }

                    owned.Add(obj);
                }
            }
        }

        return byOwner;
    }

    // A write that raced a client (409, or the object went away) spoils only this object's pass; the next pass retries it.
    private static void Isolated(Action<JsonObject> sync, JsonObject obj)
    {
        try
        {
            sync(obj);
        }
        catch (ApiException)
        {
        }
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
