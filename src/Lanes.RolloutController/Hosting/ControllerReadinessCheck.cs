using Lanes.RolloutController.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Hosting;

/// <summary>
/// Readiness (<c>/readyz</c>): the leader is ready once its informers have listed every resource it watches. A replica
/// that does not lead is ready too, as with controller-runtime's managers: it serves the webhooks and stands by, and
/// making it unready would take the webhook Service's endpoints away for no reason.
/// </summary>
internal sealed class ControllerReadinessCheck(ControllerLeadership leadership, ClusterCache cache, IOptions<RolloutControllerOptions> options) : IHealthCheck
{
    public const string Name = "controller";

    /// <summary>The tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!leadership.IsLeading)
        {
            return Task.FromResult(options.Value.LeaderElection.Enabled
                ? HealthCheckResult.Healthy("standing by: another replica leads; this one serves the webhooks")
                : HealthCheckResult.Unhealthy("the informers have not started yet"));
        }

        var waiting = new List<string>(4);
        AddUnsynced(waiting, cache.Rollouts, "rollouts");
        AddUnsynced(waiting, cache.TrafficRoutings, "trafficroutings");
        AddUnsynced(waiting, cache.Deployments, "deployments");
        AddUnsynced(waiting, cache.ReplicaSets, "replicasets");
        return Task.FromResult(waiting.Count == 0
            ? HealthCheckResult.Healthy("leading; informers synced")
            : HealthCheckResult.Unhealthy("leading; waiting for the first list of " + string.Join(", ", waiting)));
    }

    private static void AddUnsynced(List<string> waiting, ObjectCache cache, string resource)
    {
        if (!cache.IsSynced)
        {
            waiting.Add(resource);
        }
    }
}
