using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

public sealed partial class ResourceStore
{
    /// <summary>
    /// Replaces the stored representation of an object with the same object in another version (the storage version),
    /// as etcd holds it once the API server has re-encoded it: same metadata, resourceVersion and status subresource
    /// semantics, no watch event, no new generation. The API server writes every update in the storage version; an
    /// object still stored in an older version (seeded before, or written straight into the store by a test) is
    /// re-encoded by the handler before it applies an update, so the update never mixes two versions' shapes.
    /// Does nothing when the object changed since <paramref name="converted"/> was read (its resourceVersion moved).
    /// </summary>
    internal void Reencode(StoredObjectKey key, JsonObject converted)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var current) ||
                current["metadata"]?["resourceVersion"]?.GetValue<string>() != converted["metadata"]?["resourceVersion"]?.GetValue<string>())
            {
                return;
            }

            var next = (JsonObject)converted.DeepClone();
            next["metadata"] = current["metadata"]!.DeepClone();
            _objects[key] = next;
        }
    }
}
