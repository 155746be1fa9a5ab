using System.Globalization;

namespace Lanes.RolloutController.Decisions;

/// <summary>Status messages; the Kruise ones are verbatim because dashboards and scripts match on them.</summary>
internal static class RolloutMessages
{
    public const string Healthy = "rollout is healthy";
    public const string DeploymentCompleted = "workload deployment is completed";
    public const string InProgressing = "Rollout is in Progressing";
    public const string Finalising = "Rollout has been completed and some closing work is being done";
    public const string Completed = "Rollout progressing has been completed";
    public const string Canceled = "Rollout progressing has been canceled";
    public const string Cancelling = "Rollout is in cancelling";
    public const string Paused = "Rollout has been paused, you can resume it by kube-cli";
    public const string Terminating = "Rollout is in terminating";
    public const string Disabling = "Rollout is disabling";
    public const string Disabled = "Rollout is disabled";

    public static string StepUpgrade(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and upgrade workload to new version");

    public static string StepPausedManual(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and you need manually confirm to enter the next step");

    public static string StepPausedTimed(int index, int count, int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and wait duration({seconds} seconds) to enter the next step");

    public static string CanaryNotReady(string? canary, int ready, int desired, TimeSpan timeout) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Canary Deployment {canary ?? "(not created yet)"} has {ready}/{desired} ready replicas and did not become ready within {(int)timeout.TotalSeconds}s; fix the new version or revert the Deployment template to roll back");
}
