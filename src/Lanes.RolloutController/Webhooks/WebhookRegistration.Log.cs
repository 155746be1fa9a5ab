using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Webhooks;

internal sealed partial class WebhookRegistration
{
    private static partial class Log
    {
        [LoggerMessage(220, LogLevel.Information, "Webhook configurations and the Rollout CRD's conversion now call {Url}", EventName = "WebhookPointed")]
        public static partial void Pointed(ILogger logger, string url);

        [LoggerMessage(221, LogLevel.Information, "{Resource} {Name} put back as it was before this run", EventName = "WebhookRestored")]
        public static partial void Restored(ILogger logger, string resource, string name);

        [LoggerMessage(222, LogLevel.Warning, "{Resource} {Name} does not exist: its webhooks are not called (apply deploy/controller.yaml); Deployment updates are then only caught by the level-triggered fallback", EventName = "WebhookConfigurationMissing")]
        public static partial void ConfigurationMissing(ILogger logger, string resource, string name);

        [LoggerMessage(223, LogLevel.Information, "Wrote the webhook CA into the webhook configurations {Name} and the Rollout CRD", EventName = "WebhookCaBundleInjected")]
        public static partial void CaBundleInjected(ILogger logger, string name);

        [LoggerMessage(224, LogLevel.Warning, "CustomResourceDefinition {Name} not found: no conversion webhook to point at this controller (apply deploy/crd-rollouts.yaml)", EventName = "RolloutCrdMissing")]
        public static partial void CrdMissing(ILogger logger, string name);

        [LoggerMessage(225, LogLevel.Error, "{Resource} {Name} could not be put back and still calls this stopped controller: restore it by hand (kubectl apply deploy/) or run the controller again", EventName = "WebhookRestoreFailed")]
        public static partial void RestoreFailed(ILogger logger, string resource, string name, Exception exception);

        [LoggerMessage(226, LogLevel.Warning, "The API server refused a webhook registration step for now; trying again in {Delay}", EventName = "WebhookRegistrationRetry")]
        public static partial void RetryingRegistration(ILogger logger, TimeSpan delay, Exception exception);

        [LoggerMessage(227, LogLevel.Warning, "{Resource} {Name} still records what it held before an earlier local run, which was not put back (that run was killed, or its API server failed); that record is kept and restored at shutdown", EventName = "WebhookPreviousRunNotRestored")]
        public static partial void PreviousRunNotRestored(ILogger logger, string resource, string name);
    }
}
