using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Webhooks;

internal sealed partial class DeploymentWebhook
{
    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Deployment {Namespace}/{Name} is held for a release by Rollout {Rollout}: {Patch}", EventName = "DeploymentHeld")]
        public static partial void Held(ILogger logger, string @namespace, string name, string rollout, string patch);

        [LoggerMessage(201, LogLevel.Warning, "Deployment {Namespace}/{Name} update refused: {Error}", EventName = "DeploymentAdmissionFailed")]
        public static partial void Failed(ILogger logger, string @namespace, string name, string error);
    }
}
