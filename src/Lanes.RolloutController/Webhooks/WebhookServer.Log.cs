using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Webhooks;

internal sealed partial class WebhookServer
{
    private static partial class Log
    {
        [LoggerMessage(230, LogLevel.Information, "Webhooks served at {Url} ({Paths})", EventName = "WebhooksServing")]
        public static partial void Serving(ILogger logger, string url, string paths);

        [LoggerMessage(231, LogLevel.Warning, "Webhooks inactive ({Why}): the Deployment webhook ({DeploymentWebhook}) does not hold Deployments on update, so a new template starts a native rollout until the controller's next pass holds it (the level-triggered fallback); pods of the new version may start in the stable Deployment meanwhile, and a rollout that finishes before the pass is not canaried. The Rollout validating webhook does not refuse conflicting or invalid Rollouts (they get an Invalid condition instead), and the conversion webhook does not serve v1alpha1 readers of v1beta1-stored Rollouts. Set Lanes:RolloutController:Webhooks:LocalUrl=https://127.0.0.1:<port> to run them out of cluster.", EventName = "WebhooksInactive")]
        public static partial void InactiveCore(ILogger logger, string why, string deploymentWebhook);

        [LoggerMessage(232, LogLevel.Warning, "Malformed AdmissionReview on {Path}: {Reason}", EventName = "WebhookMalformedRequest")]
        public static partial void Malformed(ILogger logger, string path, string reason);

        [LoggerMessage(233, LogLevel.Error, "The webhooks could not be registered with the API server: Deployment updates are only caught by the level-triggered fallback until the controller restarts", EventName = "WebhookRegistrationFailed")]
        public static partial void RegistrationFailed(ILogger logger, Exception exception);

        public static void Inactive(ILogger logger, string why) => InactiveCore(logger, why, WebhookRegistration.DeploymentWebhookName);
    }
}
