using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s.LeaderElection.ResourceLock;
using k8s.LeaderElection;
using k8s;

namespace Lanes.RolloutController.Hosting;

/// <summary>
/// Runs the controller: leader election, then watches on Rollouts, TrafficRoutings, Deployments and ReplicaSets
/// feeding one coalescing work queue, drained by a few workers that reconcile one key at a time.
/// </summary>
internal sealed partial class RolloutControllerService(
    IKubernetes client,
    RolloutReconciler rollouts,
    TrafficRoutingReconciler trafficRoutings,
    RolloutIndex index,
    ClusterCache cache,
    ControllerLeadership leadership,
    Webhooks.WebhookServer webhooks,
    TimeProvider timeProvider,
    IOptions<RolloutControllerOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<RolloutControllerService> logger) : BackgroundService
{
    private readonly RolloutControllerOptions _options = options.Value;

    /// <summary>How long the controller waits for its webhooks' registration before it starts without them.</summary>
    internal static readonly TimeSpan RegistrationWait = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Out of cluster the Rollout CRD's conversion webhook is this process: until it points here, every Rollout
        // read fails. Registration gets a short head start; against a failing API server it may take minutes, and
        // the controller then starts anyway (the level-triggered fallback covers Deployment updates meanwhile).
        try
        {
            await webhooks.Registered.WaitAsync(RegistrationWait, timeProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.StartingBeforeWebhooks(logger, RegistrationWait);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        if (!_options.LeaderElection.Enabled)
        {
            await RunLeadingAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        var election = _options.LeaderElection;
        var identity = election.Identity ?? Environment.MachineName + "-" + Guid.NewGuid().ToString("N")[..8];
        var leaseNamespace = election.LeaseNamespace ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default";
        var leaseLock = new LeaseLock(client, leaseNamespace, election.LeaseName, identity);
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = election.LeaseDuration,
            RenewDeadline = election.RenewDeadline,
            RetryPeriod = election.RetryPeriod,
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(config);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task? run = null;
            elector.OnStartedLeading += () =>
            {
                Log.StartedLeading(logger, identity, election.LeaseName);
                run = RunLeadingAsync(leading.Token);
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // The API server may be unreachable for a while: keep trying rather than stopping the host.
                Log.LeaderElectionFailed(logger, e);
                await leading.CancelAsync().ConfigureAwait(false);
                if (run is not null)
                {
                    await run.ConfigureAwait(false);
                }

                try
                {
                    await Task.Delay(election.RetryPeriod, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                continue;
            }

            await leading.CancelAsync().ConfigureAwait(false);
            if (run is not null)
            {
                await run.ConfigureAwait(false);
                if (!stoppingToken.IsCancellationRequested)
                {
                    Log.StoppedLeading(logger, identity);
                }
            }
        }

        await ReleaseLeaseAsync(leaseLock, identity).ConfigureAwait(false);
    }

    // Hand the lease over at shutdown so a successor does not wait for it to expire.
    private async Task ReleaseLeaseAsync(LeaseLock leaseLock, string identity)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var record = await leaseLock.GetAsync(timeout.Token).ConfigureAwait(false);
            if (record.HolderIdentity == identity)
            {
                record.HolderIdentity = "";
                record.LeaseDurationSeconds = 1;
                await leaseLock.UpdateAsync(record, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.LeaseReleaseFailed(logger, e);
        }
    }

    private async Task RunLeadingAsync(CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<ReconcileKey>(timeProvider);
        var ns = string.IsNullOrEmpty(_options.Namespace) ? null : _options.Namespace;
        var watcherLogger = loggerFactory.CreateLogger<ResourceWatcher>();
        ResourceWatcher Watch(string group, string version, string plural, Action<WatchEventType, JsonObject> onEvent, ObjectCache? into = null) =>
            new(client, group, version, plural, ns, onEvent, timeProvider, _options.WatchTimeout, _options.WatchRetryDelay, watcherLogger, into);

        var watchers = new[]
        {
            Watch(KruiseNames.Group, KruiseNames.V1Beta1, KruiseNames.RolloutPlural, (type, obj) =>
            {
                var (objNs, name) = Identify(obj);
                if (type == WatchEventType.Deleted)
                {
                    index.Remove(objNs, name);
                    return;
                }

                index.Upsert(obj);
                queue.Add(new ReconcileKey(ReconcileKind.Rollout, objNs, name));
            }, cache.Rollouts),
            Watch(KruiseNames.Group, KruiseNames.V1Alpha1, KruiseNames.TrafficRoutingPlural, (_, obj) =>
            {
                var (objNs, name) = Identify(obj);
                queue.Add(new ReconcileKey(ReconcileKind.TrafficRouting, objNs, name));
                foreach (var key in index.ForTrafficRouting(objNs, name))
                {
                    queue.Add(key);
                }
            }, cache.TrafficRoutings),
            Watch("apps", "v1", "deployments", (_, obj) =>
            {
                var (objNs, name) = Identify(obj);
                var canaryOf = obj["metadata"]?["labels"]?[KruiseNames.CanaryDeploymentLabel]?.GetValue<string>();
                foreach (var key in index.ForDeployment(objNs, name, canaryOf))
                {
                    queue.Add(key);
                }
            }, cache.Deployments),
            Watch("apps", "v1", "replicasets", (_, obj) =>
            {
                // Only the Rollout governing the ReplicaSet's Deployment (or the stable one of its canary) wakes.
                var (objNs, _) = Identify(obj);
                var owner = (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>()
                    .FirstOrDefault(static o => o["controller"]?.GetValue<bool>() == true && o["kind"]?.GetValue<string>() == "Deployment")?["name"]?.GetValue<string>();
                if (owner is null)
                {
                    return;
                }

                var canaryOf = cache.Deployments.Get(objNs, owner)?["metadata"]?["labels"]?[KruiseNames.CanaryDeploymentLabel]?.GetValue<string>();
                foreach (var key in index.ForDeployment(objNs, owner, canaryOf))
                {
                    queue.Add(key);
                }
            }, cache.ReplicaSets),
            Watch(Analysis.AnalysisNames.Group, Analysis.AnalysisNames.Version, Analysis.AnalysisNames.TemplatePlural, (_, obj) =>
            {
                // A template changed under a running analysis: its Rollouts look again.
                var (objNs, name) = Identify(obj);
                foreach (var rollout in cache.Rollouts.List(objNs))
                {
                    if (Analysis.AnalysisAnnotations.Names(rollout["metadata"]?["annotations"]?[Analysis.AnalysisNames.AnalysisAnnotation]?.GetValue<string>()).Contains(name))
                    {
                        queue.Add(new ReconcileKey(ReconcileKind.Rollout, objNs, Identify(rollout).Name));
                    }
                }
            }, cache.AnalysisTemplates),
        };

        var tasks = watchers.Select(w => w.RunAsync(cancellationToken)).ToList();
        for (var i = 0; i < _options.Workers; i++)
        {
            tasks.Add(WorkAsync(queue, cancellationToken));
        }

        tasks.Add(ResyncAsync(queue, cancellationToken));
        Log.Started(logger, ns ?? "(all namespaces)", _options.Workers);
        leadership.StartedLeading();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            // Leadership lost (or shutdown): the webhooks, which go on serving, must not read caches no watch updates.
            leadership.StoppedLeading();
            cache.Reset();
        }
    }

    // Failures per key, for the exponential backoff; a success forgets them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ReconcileKey, int> _failures = new();

    /// <summary>RetryDelay × 2^(failures − 1), at most MaxRetryDelay: a key that keeps failing backs off, the others do not.</summary>
    internal static TimeSpan Backoff(TimeSpan retryDelay, TimeSpan max, int failures)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(retryDelay.Ticks * factor, max.Ticks));
        return delay < retryDelay ? retryDelay : delay;
    }

    private async Task WorkAsync(WorkQueue<ReconcileKey> queue, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ReconcileKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var again = key.Kind == ReconcileKind.Rollout
                    ? await rollouts.ReconcileAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false)
                    : await trafficRoutings.ReconcileAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
                _failures.TryRemove(key, out _);
                if (again is { } delay)
                {
                    queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One broken object must not stop the others: log, back off, retry later.
                var failures = _failures.AddOrUpdate(key, 1, static (_, n) => n + 1);
                var backoff = Backoff(_options.RetryDelay, _options.MaxRetryDelay, failures);
                Log.ReconcileFailed(logger, key.ToString(), failures, backoff, e);
                queue.AddAfter(key, backoff);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ResyncAsync(WorkQueue<ReconcileKey> queue, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ResyncPeriod, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var key in index.All())
            {
                queue.Add(key);
            }
        }
    }

    private static (string Namespace, string Name) Identify(JsonObject obj) =>
        (obj["metadata"]?["namespace"]?.GetValue<string>() ?? "default", obj["metadata"]?["name"]?.GetValue<string>() ?? "");
}
