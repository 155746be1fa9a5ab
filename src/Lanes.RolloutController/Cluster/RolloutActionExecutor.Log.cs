using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Cluster;

internal sealed partial class RolloutActionExecutor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Executing {Action} for Rollout {Namespace}/{Rollout}", EventName = "ExecutingAction")]
        public static partial void Executing(ILogger logger, string action, string @namespace, string rollout);

        [LoggerMessage(2, LogLevel.Information, "Created canary Deployment {Namespace}/{Canary} for {Deployment} with {Replicas} replicas", EventName = "CanaryCreated")]
        public static partial void CanaryCreated(ILogger logger, string @namespace, string canary, string deployment, int replicas);

        [LoggerMessage(3, LogLevel.Debug, "Conflict updating {Kind} {Namespace}/{Name}; retrying on the newest copy", EventName = "ActionConflict")]
        public static partial void Conflict(ILogger logger, string kind, string @namespace, string name);

    }
}
