using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// An informer-style store of one resource collection, fed by the <see cref="ResourceWatcher"/> the controller already
/// runs: a list replaces it, watch events update it. Reads never call the API server. Objects are shared: readers must
/// not change them.
/// </summary>
internal sealed class ObjectCache
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), JsonObject> _objects = new();
    private volatile bool _synced;

    /// <summary>Whether a first list has been stored; until then readers go to the API server.</summary>
    public bool IsSynced => _synced;

    public int Count => _objects.Count;

    public JsonObject? Get(string ns, string name) => _objects.TryGetValue((ns, name), out var obj) ? obj : null;

    /// <summary>The objects of a namespace, a snapshot.</summary>
    public List<JsonObject> List(string ns)
    {
        var result = new List<JsonObject>();
        foreach (var ((objNs, _), obj) in _objects)
        {
            if (objNs == ns)
            {
                result.Add(obj);
            }
        }

        return result;
    }

    public void Apply(k8s.WatchEventType type, JsonObject obj)
    {
        var key = Key(obj);
        if (type == k8s.WatchEventType.Deleted)
        {
            _objects.TryRemove(key, out _);
        }
        else
        {
            _objects.AddOrUpdate(key, static (_, arriving) => arriving, static (_, stored, arriving) => IsOlder(arriving, stored) ? stored : arriving, obj);
        }
    }

    /// <summary>
    /// Stores what a write of ours returned, so the next pass does not decide on the state before it (client-go's
    /// MutationCache): the watch event of that write may still be on its way. A later watch event that is older than
    /// it does not replace it.
    /// </summary>
    public void Written(JsonObject obj) => Apply(k8s.WatchEventType.Modified, obj);

    // resourceVersions are opaque, but etcd's (and the emulator's) are increasing integers: client-go's MutationCache
    // compares them the same way, and treats what does not parse as not older.
    private static bool IsOlder(JsonObject arriving, JsonObject stored) =>
        long.TryParse(arriving["metadata"]?["resourceVersion"]?.GetValue<string>(), out var a)
        && long.TryParse(stored["metadata"]?["resourceVersion"]?.GetValue<string>(), out var b)
        && a < b;

    /// <summary>A (re)list: what the list does not hold is gone (a deletion missed while the watch was down).</summary>
    public void Replace(IReadOnlyList<JsonObject> items)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var item in items)
        {
            var key = Key(item);
            seen.Add(key);
            _objects[key] = item;
        }

        foreach (var key in _objects.Keys)
        {
            if (!seen.Contains(key))
            {
                _objects.TryRemove(key, out _);
            }
        }

        _synced = true;
    }

    /// <summary>Forgets everything once its watch stopped (leadership lost): readers go to the API server again.</summary>
    public void Reset()
    {
        _synced = false;
        _objects.Clear();
    }

    internal static (string Namespace, string Name) Key(JsonObject obj) =>
        (obj["metadata"]?["namespace"]?.GetValue<string>() ?? "", obj["metadata"]?["name"]?.GetValue<string>() ?? "");
}
