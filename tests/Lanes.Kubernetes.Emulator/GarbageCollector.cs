using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The garbage collector of kube-controller-manager, asynchronous as on a cluster
/// (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#cascading-deletion):
/// <list type="bullet">
/// <item>background: a dependent whose owners are all gone is deleted; dangling owner references of a dependent that
/// still has a live owner are removed;</item>
/// <item>foreground: the owner waits, deleting, under <c>foregroundDeletion</c> while its dependents are deleted, and
/// goes once none with <c>blockOwnerDeletion: true</c> is left;</item>
/// <item>orphan: the owner's references are removed from its dependents, then its <c>orphan</c> finalizer.</item>
/// </list>
/// </summary>
internal sealed class GarbageCollector : IAsyncDisposable
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    private readonly ResourceStore _store;
    private readonly EmulatorOptions _options;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public GarbageCollector(ResourceStore store, EmulatorOptions options)
    {
        _store = store;
        _options = options;
        _store.Changed += OnChanged;
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    private void OnChanged(WatchEvent e)
    {
        if (e.Type != "ADDED" && _signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _ = await _signal.WaitAsync(_options.SimulationTick * 10, _stop.Token).ConfigureAwait(false);
                CollectOnce();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ApiException)
            {
                // A race with another writer: the next pass sees the newer state.
            }
        }
    }

    private void CollectOnce()
    {
        var objects = _store.Snapshot();
        var byUid = new Dictionary<string, (StoredObjectKey Key, JsonObject Object)>(StringComparer.Ordinal);
        foreach (var entry in objects)
        {
            if (Uid(entry.Object) is { } uid)
            {
                byUid[uid] = entry;
            }
        }

        foreach (var (key, obj) in objects)
        {
            if (obj["metadata"]?["ownerReferences"] is not JsonArray { Count: > 0 } owners)
            {
                continue;
            }

            var live = new List<JsonObject>();
            var dangling = new List<string>();
            foreach (var owner in owners.OfType<JsonObject>())
            {
                var uid = owner["uid"]?.GetValue<string>() ?? "";
                if (byUid.TryGetValue(uid, out var found) && (found.Key.Namespace == key.Namespace || found.Key.Namespace.Length == 0))
                {
                    live.Add(found.Object);
                }
                else
                {
                    dangling.Add(uid);
                }
            }

            var deleting = obj["metadata"]?["deletionTimestamp"] is not null;
            if (live.Count == 0)
            {
                if (!deleting)
                {
                    TryDelete(key, null);
                }

                continue;
            }

            var orphaning = live.Where(static o => HasFinalizer(o, OrphanFinalizer)).Select(Uid).ToList();
            if (dangling.Count > 0 || orphaning.Count > 0)
            {
                var drop = dangling.Concat(orphaning!).ToHashSet(StringComparer.Ordinal);
                _store.Mutate(key, o =>
                {
                    var references = o["metadata"]?["ownerReferences"] as JsonArray;
                    if (references is null)
                    {
                        return false;
                    }

                    var kept = new JsonArray([.. references.Where(r => !drop.Contains(r?["uid"]?.GetValue<string>() ?? "")).Select(static r => r!.DeepClone())]);
                    if (kept.Count == references.Count)
                    {
                        return false;
                    }

                    if (kept.Count == 0)
                    {
                        ((JsonObject)o["metadata"]!).Remove("ownerReferences");
                    }
                    else
                    {
                        o["metadata"]!["ownerReferences"] = kept;
                    }

                    return true;
                });
                continue;
            }

            if (!deleting && live.Count > 0 && live.All(static o => HasFinalizer(o, ForegroundFinalizer)))
            {
                TryDelete(key, "Foreground");
            }
        }

        foreach (var (key, obj) in objects)
        {
            if (obj["metadata"]?["deletionTimestamp"] is null)
            {
                continue;
            }

            var uid = Uid(obj);
            var dependents = objects.Where(d => References(d.Object, uid).Any()).ToList();
            if (HasFinalizer(obj, OrphanFinalizer) && dependents.Count == 0)
            {
                RemoveFinalizer(key, OrphanFinalizer);
            }
            else if (HasFinalizer(obj, ForegroundFinalizer) && !dependents.Any(d => References(d.Object, uid).Any(static r => r["blockOwnerDeletion"]?.GetValue<bool>() == true)))
            {
                RemoveFinalizer(key, ForegroundFinalizer);
            }
        }
    }

    private void TryDelete(StoredObjectKey key, string? propagation)
    {
        try
        {
            _store.Delete(key, null, propagation);
        }
        catch (ApiException e) when (e.Code == System.Net.HttpStatusCode.NotFound)
        {
        }
    }

    private void RemoveFinalizer(StoredObjectKey key, string finalizer) =>
        _store.Mutate(key, o =>
        {
            if (o["metadata"]?["finalizers"] is not JsonArray finalizers)
            {
                return false;
            }

            var kept = finalizers.Where(f => f?.GetValue<string>() != finalizer).Select(static f => f!.DeepClone()).ToArray();
            if (kept.Length == finalizers.Count)
            {
                return false;
            }

            o["metadata"]!["finalizers"] = new JsonArray(kept);
            return true;
        });

    private static IEnumerable<JsonObject> References(JsonObject obj, string? uid) =>
        uid is null || obj["metadata"]?["ownerReferences"] is not JsonArray owners
            ? []
            : owners.OfType<JsonObject>().Where(o => o["uid"]?.GetValue<string>() == uid);

    private static bool HasFinalizer(JsonObject obj, string finalizer) =>
        obj["metadata"]?["finalizers"] is JsonArray finalizers && finalizers.Any(f => f?.GetValue<string>() == finalizer);

    private static string? Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>();

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
