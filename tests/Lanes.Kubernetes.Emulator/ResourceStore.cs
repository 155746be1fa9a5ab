using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Namespaced object storage with the API server rules the controllers depend on: a global resourceVersion,
/// 409 on stale writes, generation bumped on spec changes, status as a subresource, finalizers,
/// owner-reference garbage collection and a bounded change history for watches.
/// </summary>
public sealed partial class ResourceStore
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Lock _lock = new();
    private readonly Dictionary<StoredObjectKey, JsonObject> _objects = [];
    // Each change with the object as it was before it (null for ADDED), so a list can be served at an exact older version.
    private readonly LinkedList<(WatchEvent Event, DateTimeOffset At, JsonObject? Previous)> _history = new();
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly EmulatorOptions _options;
    private long _resourceVersion = 100;
    private long _oldestResumableVersion = 100;

    internal ResourceStore(EmulatorOptions options) => _options = options;

    /// <summary>The resources served: built-in types plus those of the CustomResourceDefinitions stored here.</summary>
    public ResourceCatalog Catalog { get; } = new();

    /// <summary>Raised after every change, outside the lock.</summary>
    public event Action<WatchEvent>? Changed;

    /// <summary>Number of writes rejected with 409 because of a stale resourceVersion.</summary>
    public int ConflictCount { get; private set; }

    /// <summary>Watches currently open.</summary>
    public int OpenWatchCount
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count;
            }
        }
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(StoredObjectKey key)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(key, out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, LabelSelector? selector = null, FieldSelector? fields = null)
    {
        lock (_lock)
        {
            var items = _objects
                .Where(p => p.Key.Type == type && (ns is null || p.Key.Namespace == ns) && (selector is null || selector.Matches(p.Value)) && (fields is null || fields.Matches(p.Value)))
                .OrderBy(static p => p.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(static p => p.Key.Name, StringComparer.Ordinal)
                .Select(static p => (JsonObject)p.Value.DeepClone())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>
    /// A LIST with the API server's <c>resourceVersion</c> / <c>resourceVersionMatch</c> semantics
    /// (https://kubernetes.io/docs/reference/using-api/api-concepts/#the-resourceversion-parameter): unset is the most
    /// recent state; <c>0</c> or <c>NotOlderThan</c> any state at least as new as the version (this store serves the
    /// newest); <c>Exact</c> the state at exactly that version, rebuilt from the change history, or 410 Gone (reason
    /// Expired) once the history no longer reaches back to it. A version this store has not reached yet gets 504, as
    /// the watch cache answers after waiting for it.
    /// </summary>
    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, LabelSelector? selector, FieldSelector? fields, string? resourceVersion, string? resourceVersionMatch)
    {
        ValidateListOptions(resourceVersion, resourceVersionMatch);
        if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
        {
            return List(type, ns, selector, fields);
        }

        if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw ApiException.BadRequest($"invalid resource version: \"{resourceVersion}\"");
        }

        lock (_lock)
        {
            if (version > _resourceVersion)
            {
                throw new ApiException(System.Net.HttpStatusCode.GatewayTimeout, "Timeout", string.Create(CultureInfo.InvariantCulture, $"Too large resource version: {version}, current: {_resourceVersion}"));
            }

            if (resourceVersionMatch != "Exact")
            {
                return List(type, ns, selector, fields);
            }

            TrimHistory();
            if (version < _oldestResumableVersion && version < _resourceVersion)
            {
                throw ApiException.Gone("The resourceVersion for the provided list is too old.");
            }

            // Undo every change newer than the version, newest first.
            var state = new Dictionary<StoredObjectKey, JsonObject>(_objects.Where(p => p.Key.Type == type));
            for (var node = _history.Last; node is not null && node.Value.Event.ResourceVersion > version; node = node.Previous)
            {
                var (change, _, previous) = node.Value;
                if (change.Key.Type != type)
                {
                    continue;
                }

                if (previous is null)
                {
                    state.Remove(change.Key);
                }
                else
                {
                    state[change.Key] = previous;
                }
            }

            var items = state
                .Where(p => (ns is null || p.Key.Namespace == ns) && (selector is null || selector.Matches(p.Value)) && (fields is null || fields.Matches(p.Value)))
                .OrderBy(static p => p.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(static p => p.Key.Name, StringComparer.Ordinal)
                .Select(static p => (JsonObject)p.Value.DeepClone())
                .ToList();
            return (items, version);
        }
    }

    // apimachinery's ValidateListOptions for a list (not a watch).
    private static void ValidateListOptions(string? resourceVersion, string? match)
    {
        if (string.IsNullOrEmpty(match))
        {
            return;
        }

        if (string.IsNullOrEmpty(resourceVersion))
        {
            throw ApiException.Invalid("ListOptions.meta.k8s.io", "", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
        }

        if (match is not ("Exact" or "NotOlderThan"))
        {
            throw ApiException.Invalid("ListOptions.meta.k8s.io", "", $"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
        }

        if (match == "Exact" && resourceVersion == "0")
        {
            throw ApiException.Invalid("ListOptions.meta.k8s.io", "", "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
        }
    }

    public JsonObject Create(ResourceType type, string ns, JsonObject obj)
    {
        WatchEvent change;
        lock (_lock)
        {
            var definition = Served(type);
            obj = (JsonObject)obj.DeepClone();
            var metadata = obj["metadata"] as JsonObject ?? [];
            obj["metadata"] = metadata;
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var prefix = metadata["generateName"]?.GetValue<string>() ?? throw ApiException.BadRequest("name or generateName is required");
                do
                {
                    name = prefix + RandomSuffix();
                }
                while (_objects.ContainsKey(new StoredObjectKey(type, ns, name)));
            }

            var key = new StoredObjectKey(type, ns, name);
            if (_objects.ContainsKey(key))
            {
                throw ApiException.AlreadyExists(key);
            }

            // The garbage collector would delete a dependent of a vanished owner at once; refuse it instead.
            if (metadata["ownerReferences"] is JsonArray owners && owners.Count > 0 &&
                !owners.Any(o => _objects.Any(p => p.Key.Namespace == ns && p.Value["metadata"]?["uid"]?.GetValue<string>() == o?["uid"]?.GetValue<string>())))
            {
                throw new ApiException(System.Net.HttpStatusCode.Conflict, "OwnerGone", $"the owner of {key.Type.Plural} \"{name}\" no longer exists");
            }

            metadata["name"] = name;
            PrepareCustomResource(definition, obj);
            BuiltInValidation.OnCreate(type, ns, name, obj, t => _objects.Where(p => p.Key.Type == t).Select(static p => p.Value));
            if (type == ResourceCatalog.CustomResourceDefinitions)
            {
                ResourceCatalog.Validate(name, obj);
            }

            // Cluster-scoped objects carry no namespace.
            if (ns.Length > 0)
            {
                metadata["namespace"] = ns;
            }
            else
            {
                metadata.Remove("namespace");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["generation"] = 1;
            metadata["creationTimestamp"] = Timestamp();
            metadata.Remove("deletionTimestamp");
            change = Commit(key, obj, "ADDED");
            if (type == ResourceCatalog.CustomResourceDefinitions)
            {
                Catalog.Register(obj);
            }
        }

        Changed?.Invoke(change);
        return (JsonObject)change.Object.DeepClone();
    }

    /// <summary>Replaces an object (or only its status). A non-empty metadata.resourceVersion must match.</summary>
    public JsonObject Update(StoredObjectKey key, JsonObject obj, bool statusOnly)
    {
        List<WatchEvent> changes = [];
        JsonObject result;
        lock (_lock)
        {
            var definition = Served(key.Type);
            var current = _objects.GetValueOrDefault(key) ?? throw ApiException.NotFound(key);
            var expected = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(expected) && expected != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                ConflictCount++;
                throw ApiException.Conflict(key, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var next = (JsonObject)current.DeepClone();
            if (!statusOnly)
            {
                BuiltInValidation.OnUpdate(key.Type, key.Namespace, key.Name, current, obj);
            }

            if (statusOnly)
            {
                next["status"] = obj["status"]?.DeepClone();
            }
            else
            {
                var currentMetadata = (JsonObject)current["metadata"]!;
                var newMetadata = obj["metadata"]?.DeepClone() as JsonObject ?? [];
                foreach (var immutable in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp" })
                {
                    newMetadata.Remove(immutable);
                    if (currentMetadata[immutable] is { } value)
                    {
                        newMetadata[immutable] = value.DeepClone();
                    }
                }

                RefuseNewFinalizersWhileDeleting(definition, key, currentMetadata, newMetadata);
                next = (JsonObject)obj.DeepClone();
                next["metadata"] = newMetadata;

                // With the status subresource, an update of the main resource leaves status as it was
                // (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#status-subresource).
                if (definition.Versions.Any(static v => v.StatusSubresource))
                {
                    next["status"] = current["status"]?.DeepClone();
                }

                PrepareCustomResource(definition, next);
                if (key.Type == ResourceCatalog.CustomResourceDefinitions)
                {
                    ResourceCatalog.Validate(key.Name, next);
                }

                if (!SpecEquals(current, next))
                {
                    newMetadata["generation"] = (JsonNumbers.ReadLong(currentMetadata["generation"]) ?? 1) + 1;
                }
            }

            if (statusOnly)
            {
                PrepareCustomResource(definition, next);
            }

            result = Apply(key, next, changes);
            if (key.Type == ResourceCatalog.CustomResourceDefinitions && _objects.ContainsKey(key))
            {
                Catalog.Register(result);
            }
        }

        Publish(changes);
        return result;
    }

    /// <summary>Applies a change function to the newest copy; used by simulated controllers and tests.</summary>
    public JsonObject? Mutate(StoredObjectKey key, Func<JsonObject, bool> change, bool statusOnly = false)
    {
        var current = Get(key);
        if (current is null || !change(current))
        {
            return current;
        }

        return Update(key, current, statusOnly);
    }

    /// <summary>
    /// Deletes an object. A pod is deleted gracefully: it gets its <c>deletionTimestamp</c> (now plus its grace period)
    /// and stays until the kubelet saw its containers stop (see <see cref="EmulatorOptions.PodTerminationTime"/>);
    /// <paramref name="gracePeriodSeconds"/> 0 removes it at once, as <c>--grace-period=0 --force</c> does.
    /// </summary>
    public JsonObject? Delete(StoredObjectKey key, long? gracePeriodSeconds = null, string? propagationPolicy = null)
    {
        List<WatchEvent> changes = [];
        JsonObject? result;
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiException.NotFound(key);
            }

            if (propagationPolicy is "Orphan" or "Foreground")
            {
                // https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion and
                // #orphaned-dependents: the owner stays, deleting, under the garbage collector's finalizer.
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    var next = (JsonObject)current.DeepClone();
                    var finalizers = next["metadata"]!["finalizers"] as JsonArray ?? [];
                    next["metadata"]!["finalizers"] = finalizers;
                    finalizers.Add(propagationPolicy == "Orphan" ? GarbageCollector.OrphanFinalizer : GarbageCollector.ForegroundFinalizer);
                    next["metadata"]!["deletionTimestamp"] = Timestamp();
                    changes.Add(Commit(key, next, "MODIFIED"));
                }

                result = (JsonObject)_objects[key].DeepClone();
            }
            else if (IsGraceful(key) && gracePeriodSeconds != 0)
            {
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    changes.Add(Commit(key, StartTermination(current, gracePeriodSeconds), "MODIFIED"));
                }

                result = (JsonObject)_objects[key].DeepClone();
            }
            else
            {
                result = DeleteLocked(key, current, changes);
            }
        }

        Publish(changes);
        return result;
    }

    private JsonObject DeleteLocked(StoredObjectKey key, JsonObject current, List<WatchEvent> changes)
    {
        var finalizers = current["metadata"]?["finalizers"] as JsonArray;
        if (finalizers is { Count: > 0 })
        {
            if (current["metadata"]!["deletionTimestamp"] is not null)
            {
                return (JsonObject)current.DeepClone();
            }

            var next = (JsonObject)current.DeepClone();
            next["metadata"]!["deletionTimestamp"] = Timestamp();
            return Apply(key, next, changes);
        }

        var result = (JsonObject)current.DeepClone();
        Remove(key, changes);
        return result;
    }

    // Only a served type can be stored: a custom resource needs its CRD first.
    private ResourceDefinition Served(ResourceType type) =>
        Catalog.Find(type) ?? throw new ApiException(System.Net.HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({type.Plural}{(type.Group.Length == 0 ? "" : "." + type.Group)})");

    /// <summary>Structural pruning and defaults of <paramref name="type"/>'s schema, as the API server applies them before validating admission.</summary>
    internal void PruneAndDefault(ResourceType type, JsonObject obj) => PrepareCustomResource(Served(type), obj);

    // Structural pruning and defaults of the CRD's storage version schema, on every write.
    private static void PrepareCustomResource(ResourceDefinition definition, JsonObject obj)
    {
        if (definition.IsCustom && definition.Versions.FirstOrDefault(static v => v.Storage)?.Schema is { } schema)
        {
            StructuralSchema.PruneAndDefault(obj, schema);
        }
    }

    // "Forbidden: no new finalizers can be added if the object is being deleted", as the API server's object meta
    // validation answers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/).
    private static void RefuseNewFinalizersWhileDeleting(ResourceDefinition definition, StoredObjectKey key, JsonObject current, JsonObject next)
    {
        if (current["deletionTimestamp"] is null)
        {
            return;
        }

        var before = (current["finalizers"] as JsonArray ?? []).Select(static f => f?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var added = (next["finalizers"] as JsonArray ?? []).Select(static f => f?.GetValue<string>()).Where(f => !before.Contains(f)).ToList();
        if (added.Count > 0)
        {
            throw ApiException.Invalid(definition.Kind, key.Name,
                $"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(static f => "\"" + f + "\""))}}}");
        }
    }

    /// <summary>
    /// The resourceVersion a BOOKMARK may carry for <paramref name="subscription"/>: the newest one, when every event
    /// up to it has been handed to the watch; null while some are still queued.
    /// </summary>
    internal long? BookmarkVersion(WatchSubscription subscription)
    {
        lock (_lock)
        {
            return subscription.Pending == 0 ? _resourceVersion : null;
        }
    }

    public WatchSubscription Watch(ResourceType type, string? ns, LabelSelector? selector, string? resourceVersion, FieldSelector? fields = null)
    {
        lock (_lock)
        {
            TrimHistory();
            var subscription = new WatchSubscription(type, ns, selector, fields, Unsubscribe);
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                foreach (var (key, obj) in _objects)
                {
                    var added = new WatchEvent("ADDED", key, ParseVersion(obj), (JsonObject)obj.DeepClone());
                    if (subscription.Accepts(added))
                    {
                        subscription.Enqueue(added);
                        subscription.InitialEvents++;
                    }
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiException.BadRequest($"invalid resource version \"{resourceVersion}\"");
                }

                if (from < _oldestResumableVersion)
                {
                    throw ApiException.Gone($"too old resource version: {from} ({_oldestResumableVersion})");
                }

                foreach (var (e, _, _) in _history)
                {
                    if (e.ResourceVersion > from && subscription.Accepts(e))
                    {
                        subscription.Enqueue(e with { Object = (JsonObject)e.Object.DeepClone() });
                    }
                }
            }

            subscription.StartVersion = _resourceVersion;
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a load balancer timeout would.</summary>
    public int DropWatches()
    {
        WatchSubscription[] open;
        lock (_lock)
        {
            open = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var subscription in open)
        {
            subscription.Channel.Writer.TryComplete();
        }

        return open.Length;
    }

    /// <summary>Forgets the change history, so any watch that resumes from an older resourceVersion gets 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_lock)
        {
            _history.Clear();
            _oldestResumableVersion = _resourceVersion + 1;
        }
    }

    // Pods terminate before they go (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
    // only the kubelet removes them (ForceDelete), once their containers stopped.
    private static bool IsGraceful(StoredObjectKey key) => key.Type == ResourceType.Pods;

    private JsonObject StartTermination(JsonObject current, long? gracePeriodSeconds)
    {
        var next = (JsonObject)current.DeepClone();
        var grace = gracePeriodSeconds ?? JsonNumbers.ReadLong(current["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
        next["metadata"]!["deletionTimestamp"] = (_options.TimeProvider.GetUtcNow() + TimeSpan.FromSeconds(grace)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        next["metadata"]!["deletionGracePeriodSeconds"] = grace;
        return next;
    }

    /// <summary>Removes an object at once, whatever its finalizers or grace period: the kubelet's last word on a pod.</summary>
    public void ForceDelete(StoredObjectKey key)
    {
        List<WatchEvent> changes = [];
        lock (_lock)
        {
            if (!_objects.ContainsKey(key))
            {
                return;
            }

            Remove(key, changes);
        }

        Publish(changes);
    }

    private JsonObject Apply(StoredObjectKey key, JsonObject next, List<WatchEvent> changes)
    {
        var metadata = (JsonObject)next["metadata"]!;
        if (metadata["deletionTimestamp"] is not null && metadata["finalizers"] is not JsonArray { Count: > 0 } && !IsGraceful(key))
        {
            Remove(key, changes);
            return next;
        }

        var change = Commit(key, next, "MODIFIED");
        changes.Add(change);
        return (JsonObject)change.Object.DeepClone();
    }

    private void Remove(StoredObjectKey key, List<WatchEvent> changes)
    {
        var removed = _objects[key];
        _objects.Remove(key);
        _resourceVersion++;
        var snapshot = (JsonObject)removed.DeepClone();
        snapshot["metadata"]!["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        var change = new WatchEvent("DELETED", key, _resourceVersion, snapshot);
        Record(change, removed);
        changes.Add(change);
        if (key.Type == ResourceCatalog.CustomResourceDefinitions)
        {
            // Deleting a CRD deletes every object of its resource and stops serving it.
            Catalog.Unregister(removed);
            var type = new ResourceType(removed["spec"]?["group"]?.GetValue<string>() ?? "", removed["spec"]?["names"]?["plural"]?.GetValue<string>() ?? "");
            foreach (var custom in _objects.Keys.Where(k => k.Type == type).ToList())
            {
                Remove(custom, changes);
            }
        }
    }

    /// <summary>A consistent copy of every stored object, for the garbage collector's pass.</summary>
    internal List<(StoredObjectKey Key, JsonObject Object)> Snapshot()
    {
        lock (_lock)
        {
            return [.. _objects.Select(static p => (p.Key, (JsonObject)p.Value.DeepClone()))];
        }
    }

    private WatchEvent Commit(StoredObjectKey key, JsonObject obj, string type)
    {
        _resourceVersion++;
        obj["metadata"]!["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        var previous = _objects.GetValueOrDefault(key);
        _objects[key] = obj;
        var change = new WatchEvent(type, key, _resourceVersion, (JsonObject)obj.DeepClone());
        Record(change, previous);
        return change;
    }

    private void Record(WatchEvent change, JsonObject? previous)
    {
        _history.AddLast((change, _options.TimeProvider.GetUtcNow(), previous));
        while (_history.Count > _options.HistoryLimit)
        {
            _oldestResumableVersion = _history.First!.Value.Event.ResourceVersion;
            _history.RemoveFirst();
        }

        TrimHistory();

        foreach (var subscription in _subscriptions)
        {
            if (subscription.Accepts(change))
            {
                subscription.Enqueue(change with { Object = (JsonObject)change.Object.DeepClone() });
            }
        }
    }

    // The API server's watch cache (and etcd compaction behind it) keeps changes for a bounded time; a watch that
    // resumes from before that window gets 410 Gone.
    private void TrimHistory()
    {
        var horizon = _options.TimeProvider.GetUtcNow() - _options.HistoryRetention;
        while (_history.First is { } first && first.Value.At < horizon)
        {
            _oldestResumableVersion = first.Value.Event.ResourceVersion;
            _history.RemoveFirst();
        }
    }

    private void Publish(List<WatchEvent> changes)
    {
        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private static bool SpecEquals(JsonObject a, JsonObject b)
    {
        foreach (var name in a.Select(static p => p.Key).Union(b.Select(static p => p.Key)))
        {
            if (name is "metadata" or "status" or "apiVersion" or "kind")
            {
                continue;
            }

            if (!JsonNode.DeepEquals(a[name], b[name]))
            {
                return false;
            }
        }

        return true;
    }

    private static long ParseVersion(JsonObject obj) =>
        long.Parse(obj["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private string Timestamp() => _options.TimeProvider.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string RandomSuffix() =>
        string.Create(5, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = NameAlphabet[Random.Shared.Next(NameAlphabet.Length)];
            }
        });
}
