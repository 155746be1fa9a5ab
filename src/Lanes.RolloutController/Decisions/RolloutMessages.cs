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
    public const string Cancelling = "The workload has been rolled back and the rollout process will be canceled";
    public const string ContinuousRelease = "Workload is continuous release";
    public const string Paused = "Rollout has been paused, you can resume it by kube-cli";
    public const string Terminating = "Rollout is in terminating";
    public const string Disabling = "Disabling rollout, release resources";
    public const string WorkloadNotFound = "Workload Not Found";
    public const string Disabled = "Rollout is disabled";

    // Kruise's Event messages (reason "Progressing").
    public const string EventRolledBack = "workload has been rollback, then rollout is canceled";
    public const string EventContinuousRelease = "workload continuous publishing canaryRevision, then restart publishing";

    public static string EventStepUpgraded(int index) =>
        string.Create(CultureInfo.InvariantCulture, $"upgrade step({index}) canary pods with new versions done");

    /// <summary>Kruise's <c>canaryStatus.message</c>, written from its BatchRelease; Lanes' canary Deployment plays that part.</summary>
    public static string BatchState(string state, string? rolloutId, int step) =>
        string.Create(CultureInfo.InvariantCulture, $"BatchRelease is at state {state}, rollout-id {rolloutId}, step {step}");

    public static string NotIntercepted(string deployment) =>
        $"Deployment {deployment} changed without the admission webhook holding it; the controller held it on its next pass, so pods of the new version may have started in the stable Deployment meanwhile";

    public static string RolledOutNatively(string deployment) =>
        $"Deployment {deployment} rolled out a new template natively: the admission webhook did not hold it and the rollout finished before the controller's pass, so it was not canaried";

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
