namespace Lanes.RolloutController.Hosting;

/// <summary>Leader election through a <c>coordination.k8s.io/v1</c> Lease, so only one replica reconciles.</summary>
internal sealed class LeaderElectionOptions
{
    /// <summary>Whether to elect a leader. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lease name. Default <c>lanes-rollout-controller</c>.</summary>
    public string LeaseName { get; set; } = "lanes-rollout-controller";

    /// <summary>Lease namespace; defaults to <c>POD_NAMESPACE</c>, else <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's identity; defaults to the host name.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease is valid. Default 15 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew. Default 10 s.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts. Default 2 s.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
