using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// A Deployment's spec as kube-controller-manager reads it (k8s.io/kubernetes pkg/controller/deployment/util/deployment_util.go):
/// the rolling update fenceposts (maxSurge rounded up, maxUnavailable rounded down, never both 0), the progress deadline,
/// minReadySeconds and the revision history limit, with the API server's defaults.
/// </summary>
internal static class DeploymentStrategy
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

    public static bool IsPaused(JsonObject deployment) => deployment["spec"]?["paused"] is JsonValue v && v.TryGetValue<bool>(out var paused) && paused;

    public static bool IsRecreate(JsonObject deployment) => deployment["spec"]?["strategy"]?["type"]?.GetValue<string>() == "Recreate";

    public static int MinReadySeconds(JsonObject deployment) => JsonNumbers.ReadInt(deployment["spec"]?["minReadySeconds"]) ?? 0;

    public static int RevisionHistoryLimit(JsonObject deployment) => JsonNumbers.ReadInt(deployment["spec"]?["revisionHistoryLimit"]) ?? 10;

    /// <summary>progressDeadlineSeconds, or null when unset or MaxInt32 (no deadline: no Progressing condition at all).</summary>
    public static TimeSpan? ProgressDeadline(JsonObject deployment) =>
        JsonNumbers.ReadLong(deployment["spec"]?["progressDeadlineSeconds"]) is { } seconds && seconds != int.MaxValue ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>MaxSurge: 0 for Recreate; the resolved surge (rounded up) for a rolling update.</summary>
    public static int MaxSurge(JsonObject deployment) => IsRecreate(deployment) ? 0 : ResolveFenceposts(deployment).Surge;

    /// <summary>MaxUnavailable: 0 for Recreate or 0 replicas; the resolved value (rounded down) capped at the replicas.</summary>
    public static int MaxUnavailable(JsonObject deployment)
    {
        var replicas = ReplicaSetFields.Replicas(deployment);
        if (IsRecreate(deployment) || replicas == 0)
        {
            return 0;
        }

        return Math.Min(ResolveFenceposts(deployment).Unavailable, replicas);
    }

    // ResolveFenceposts: both 0 (only reachable through percentages that round to 0) means unavailable 1, so the rollout can progress.
    private static (int Surge, int Unavailable) ResolveFenceposts(JsonObject deployment)
    {
        var replicas = ReplicaSetFields.Replicas(deployment);
        var rollingUpdate = deployment["spec"]?["strategy"]?["rollingUpdate"];
        var surge = Scaled(rollingUpdate?["maxSurge"], replicas, roundUp: true);
        var unavailable = Scaled(rollingUpdate?["maxUnavailable"], replicas, roundUp: false);
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    // GetScaledValueFromIntOrPercent; the API server defaults both to 25%.
    private static int Scaled(JsonNode? value, int total, bool roundUp)
    {
        if (JsonNumbers.ReadInt(value) is { } number && value is JsonValue v && !v.TryGetValue<string>(out _))
        {
            return number;
        }

        var percent = TryParsePercent(value?.GetValue<string>() ?? "25%") ?? 25;
        var scaled = (double)percent * total / 100;
        return (int)(roundUp ? Math.Ceiling(scaled) : Math.Floor(scaled));
    }

    /// <summary>The number of a percentage string such as <c>25%</c>; null when it is not one.</summary>
    public static int? TryParsePercent(string text) =>
        text.Length > 1 && text[^1] == '%' && text[..^1].All(char.IsAsciiDigit) && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent)
            ? percent
            : null;
}
