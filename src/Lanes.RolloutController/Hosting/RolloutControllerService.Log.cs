using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Hosting;

internal sealed partial class RolloutControllerService
{
    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Rollout controller started for {Namespace} with {Workers} workers", EventName = "ControllerStarted")]
        public static partial void Started(ILogger logger, string @namespace, int workers);

        [LoggerMessage(41, LogLevel.Information, "{Identity} leads through Lease {Lease}", EventName = "StartedLeading")]
        public static partial void StartedLeading(ILogger logger, string identity, string lease);

        [LoggerMessage(42, LogLevel.Warning, "{Identity} lost the leadership; waiting to lead again", EventName = "StoppedLeading")]
        public static partial void StoppedLeading(ILogger logger, string identity);

        [LoggerMessage(43, LogLevel.Error, "Reconciling {Key} failed ({Failures} in a row); retrying in {Backoff}", EventName = "ReconcileFailed")]
        public static partial void ReconcileFailed(ILogger logger, string key, int failures, TimeSpan backoff, Exception exception);

        [LoggerMessage(45, LogLevel.Warning, "Leader election failed; retrying", EventName = "LeaderElectionFailed")]
        public static partial void LeaderElectionFailed(ILogger logger, Exception exception);

        [LoggerMessage(46, LogLevel.Warning, "The webhooks are not registered after {Waited}; the controller starts anyway (out of cluster, Rollout reads fail until the CRD's conversion webhook points here)", EventName = "StartingBeforeWebhooks")]
        public static partial void StartingBeforeWebhooks(ILogger logger, TimeSpan waited);

        [LoggerMessage(44, LogLevel.Debug, "Could not release the leader Lease at shutdown", EventName = "LeaseReleaseFailed")]
        public static partial void LeaseReleaseFailed(ILogger logger, Exception exception);
    }
}
