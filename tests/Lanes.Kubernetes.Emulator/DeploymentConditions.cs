using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The Deployment's status conditions and their reasons, as kube-controller-manager sets them
/// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status).
/// </summary>
internal static class DeploymentConditions
{
    public const string Progressing = "Progressing";
    public const string Available = "Available";

    public const string NewReplicaSetCreated = "NewReplicaSetCreated";
    public const string FoundNewReplicaSet = "FoundNewReplicaSet";
    public const string ReplicaSetUpdated = "ReplicaSetUpdated";
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string DeploymentPaused = "DeploymentPaused";
    public const string DeploymentResumed = "DeploymentResumed";
    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";

    public static JsonObject? Get(JsonObject status, string type) =>
        (status["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static string? Reason(JsonObject? condition) => condition?["reason"]?.GetValue<string>();

    public static JsonObject New(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var at = Timestamp(now);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = at,
            ["lastTransitionTime"] = at,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    /// <summary>
    /// SetDeploymentCondition: nothing changes when status and reason are the same; the transition time is kept while the
    /// status stays; the condition goes to the end of the list.
    /// </summary>
    public static void Set(JsonObject status, JsonObject condition)
    {
        var type = condition["type"]!.GetValue<string>();
        var current = Get(status, type);
        var sameStatus = current?["status"]?.GetValue<string>() == condition["status"]!.GetValue<string>();
        if (current is not null && sameStatus && Reason(current) == Reason(condition))
        {
            return;
        }

        if (current is not null && sameStatus)
        {
            condition["lastTransitionTime"] = current["lastTransitionTime"]?.DeepClone();
        }

        Remove(status, type);
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        conditions.Add(condition);
    }

    public static void Remove(JsonObject status, string type)
    {
        if (status["conditions"] is JsonArray conditions && Get(status, type) is { } existing)
        {
            conditions.Remove(existing);
        }
    }

    public static DateTimeOffset? Time(JsonNode? timestamp) =>
        timestamp?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    // metav1.Time serialises to the second (RFC 3339).
    public static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
