using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>What the simulated controllers read of ReplicaSets and pods, and the orderings kube-controller-manager sorts them by.</summary>
internal static class ReplicaSetFields
{
    public static int Replicas(JsonObject rs) => JsonNumbers.ReadInt(rs["spec"]?["replicas"]) ?? 1;

    public static int Status(JsonObject obj, string field) => JsonNumbers.ReadInt(obj["status"]?[field]) ?? 0;

    public static string Name(JsonObject obj) => Metadata(obj, "name");

    public static string Metadata(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";

    public static string? Annotation(JsonObject obj, string name) => obj["metadata"]?["annotations"]?[name]?.GetValue<string>();

    public static int? IntAnnotation(JsonObject obj, string name) =>
        int.TryParse(Annotation(obj, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static long Revision(JsonObject rs) =>
        long.TryParse(Annotation(rs, DeploymentStrategy.RevisionAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static bool IsOwnedBy(JsonObject obj, string uid) =>
        obj["metadata"]?["ownerReferences"] is JsonArray owners && owners.Any(o => o?["uid"]?.GetValue<string>() == uid);

    public static StoredObjectKey Key(ResourceType type, JsonObject obj) => new(type, Metadata(obj, "namespace"), Name(obj));

    /// <summary>ReplicaSetsByCreationTimestamp: oldest first, ties by name.</summary>
    public static int ByCreation(JsonObject a, JsonObject b)
    {
        var byTime = string.CompareOrdinal(Metadata(a, "creationTimestamp"), Metadata(b, "creationTimestamp"));
        return byTime != 0 ? byTime : string.CompareOrdinal(Name(a), Name(b));
    }

    /// <summary>ReplicaSetsByRevision: lowest revision first, ties by creation.</summary>
    public static int ByRevision(JsonObject a, JsonObject b)
    {
        var byRevision = Revision(a).CompareTo(Revision(b));
        return byRevision != 0 ? byRevision : ByCreation(a, b);
    }

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> (podutil.IsPodAvailable), from the Ready condition's transition time.</summary>
    public static bool IsAvailable(JsonObject pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(static c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");
        if (ready is null)
        {
            return false;
        }

        return minReadySeconds == 0 ||
            (DeploymentConditions.Time(ready["lastTransitionTime"]) is { } since && since + TimeSpan.FromSeconds(minReadySeconds) < now);
    }
}
