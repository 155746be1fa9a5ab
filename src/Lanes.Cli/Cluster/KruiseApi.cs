namespace Lanes.Cli.Cluster;

/// <summary>The Kruise Rollouts API names the CLI reads and writes (rollouts.kruise.io; v1beta1 is the storage version).</summary>
internal static class KruiseApi
{
    public const string Group = "rollouts.kruise.io";
    public const string Version = "v1beta1";
    public const string AlphaVersion = "v1alpha1";
    public const string RolloutPlural = "rollouts";
    public const string TrafficRoutingPlural = "trafficroutings";

    /// <summary>kubectl's name for a Rollout in its messages: <c>rollout.rollouts.kruise.io/&lt;name&gt;</c>.</summary>
    public static string Display(string name) => "rollout.rollouts.kruise.io/" + name;

    public const string TrafficRoutingAnnotation = "rollouts.kruise.io/trafficrouting";
    public const string InProgressingAnnotation = "rollouts.kruise.io/in-progressing";
    public const string StableRevisionLabel = "rollouts.kruise.io/stable-revision";
    public const string CanaryDeploymentLabel = "rollouts.kruise.io/canary-deployment";

    public const string StepPaused = "StepPaused";
    public const string StepReady = "StepReady";
    public const string Completed = "Completed";
}
