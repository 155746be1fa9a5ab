namespace Lanes.RolloutController.Api;

/// <summary>Names from <c>rollouts.kruise.io</c> that Lanes reads and writes unchanged, so Kruise tooling keeps working.</summary>
internal static class KruiseNames
{
    /// <summary>The API group.</summary>
    public const string Group = "rollouts.kruise.io";

    /// <summary>The storage version of Rollout.</summary>
    public const string V1Beta1 = "v1beta1";

    /// <summary>The first version of Rollout and the only one of TrafficRouting.</summary>
    public const string V1Alpha1 = "v1alpha1";

    /// <summary>Plural of Rollout.</summary>
    public const string RolloutPlural = "rollouts";

    /// <summary>Plural of TrafficRouting.</summary>
    public const string TrafficRoutingPlural = "trafficroutings";

    /// <summary>Rollout annotation naming a shared TrafficRouting.</summary>
    public const string TrafficRoutingAnnotation = "rollouts.kruise.io/trafficrouting";

    /// <summary>Rollout annotation <c>canary</c> or <c>partition</c>.</summary>
    public const string RollingStyleAnnotation = "rollouts.kruise.io/rolling-style";

    /// <summary>Finalizer on the Rollout.</summary>
    public const string RolloutFinalizer = "rollouts.kruise.io/rollout";

    /// <summary>Finalizer of the TrafficRouting controller on its own object.</summary>
    public const string TrafficRoutingFinalizer = "rollouts.kruise.io/trafficrouting";

    /// <summary>Prefix of the per-Rollout finalizer on a TrafficRouting: <c>progressing.rollouts.kruise.io/&lt;rollout&gt;</c>.</summary>
    public const string ProgressingFinalizerPrefix = "progressing.rollouts.kruise.io";

    /// <summary>Deployment annotation, JSON <c>{"rolloutName":"…"}</c>, present while a release holds it.</summary>
    public const string InProgressingAnnotation = "rollouts.kruise.io/in-progressing";

    /// <summary>Deployment label with the pod-template-hash of the stable ReplicaSet.</summary>
    public const string StableRevisionLabel = "rollouts.kruise.io/stable-revision";

    /// <summary>Deployment label marking a workload under a Rollout.</summary>
    public const string WorkloadTypeLabel = "rollouts.kruise.io/workload-type";

    /// <summary>Label on the canary Deployment naming its stable Deployment.</summary>
    public const string CanaryDeploymentLabel = "rollouts.kruise.io/canary-deployment";

    /// <summary>Workload label carrying a user-chosen rollout id.</summary>
    public const string RolloutIdLabel = "rollouts.kruise.io/rollout-id";

    /// <summary>Pod label with the batch (step) that brought the pod in, set with <see cref="RolloutIdLabel"/>.</summary>
    public const string RolloutBatchIdLabel = "rollouts.kruise.io/rollout-batch-id";

    /// <summary>Rollout annotation with the hash of its release plan, written by the controller.</summary>
    public const string RolloutHashAnnotation = "rollouts.kruise.io/hash";

    /// <summary>Lanes' own annotation on a canary Deployment: the template revision it was made from.</summary>
    public const string CanaryRevisionAnnotation = "lanes.dev/canary-revision";

    /// <summary>Lanes' own Rollout annotation overriding the canary readiness timeout, in seconds.</summary>
    public const string ReadyTimeoutAnnotation = "lanes.dev/canary-ready-timeout-seconds";
}
