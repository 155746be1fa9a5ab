using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Cluster;

internal sealed partial class RolloutReconciler
{
    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Debug, "Rollout {Namespace}/{Rollout}: phase {Phase}, step {Step} {State}: {Message}", EventName = "StatusWritten")]
        public static partial void StatusWritten(ILogger logger, string @namespace, string rollout, string? phase, int? step, string? state, string? message);

        [LoggerMessage(11, LogLevel.Information, "Rollout {Namespace}/{Rollout} moved from {From} to {To}", EventName = "PhaseChanged")]
        public static partial void PhaseChanged(ILogger logger, string @namespace, string rollout, string? from, string? to);

        [LoggerMessage(12, LogLevel.Information, "Status of Rollout {Namespace}/{Rollout} changed concurrently (attempt {Attempt}); re-reading and deciding again", EventName = "StatusConflict")]
        public static partial void StatusConflict(ILogger logger, string @namespace, string rollout, int attempt);

        [LoggerMessage(13, LogLevel.Information, "Rollout {Namespace}/{Rollout} released its workload and its finalizer", EventName = "RolloutReleased")]
        public static partial void Released(ILogger logger, string @namespace, string rollout);
    }
}
