namespace Lanes.RolloutController.Hosting;

/// <summary>Settings of the rollout controller, bound from <c>Lanes:RolloutController</c>.</summary>
internal sealed class RolloutControllerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Lanes:RolloutController";

    /// <summary>Namespace to watch; empty watches all namespaces.</summary>
    public string? Namespace { get; set; }

    /// <summary>Concurrent reconcile workers (1–32). Default 2.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>How often every known Rollout is reconciled even without events. Default 5 min.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a step may wait for its canary pods to become ready before the status says so
    /// (Kruise waits forever). Zero disables. Default 10 min; a Rollout can override it with the
    /// <c>lanes.dev/canary-ready-timeout-seconds</c> annotation.
    /// </summary>
    public TimeSpan CanaryReadyTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Re-reads and re-decisions after a 409 before the pass is requeued. Default 5.</summary>
    public int ConflictRetries { get; set; } = 5;

    /// <summary>Delay before retrying a pass whose action failed or is not done yet. Default 3 s (Kruise's grace period).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Ceiling of the per-key exponential backoff after failed passes (RetryDelay doubling). Default 5 min.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Server-side timeout of one watch request; the watch then resumes. Default 5 min.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Pause before re-opening a watch that failed. Default 1 s.</summary>
    public TimeSpan WatchRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often routes that are in place are checked again while a release holds them, so an Ingress, HTTPRoute or
    /// ConfigMap deleted or edited under a paused step shows in the status. Default 30 s.
    /// </summary>
    public TimeSpan RouteCheckPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The header that carries the lane (as the gateway's <c>Lanes:Propagation:HeaderName</c>). A route with
    /// <c>classType: lanes</c> must set it in <c>requestHeaderModifier.set</c>. Default <c>x-mse-tag</c>.
    /// </summary>
    public string LaneHeader { get; set; } = "x-mse-tag";

    /// <summary>Leader election.</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>The admission webhooks (Deployment hold on update).</summary>
    public Webhooks.WebhookOptions Webhooks { get; set; } = new();
}
