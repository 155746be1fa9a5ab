using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Webhooks;

internal sealed partial class WebhookRegistration
{
    private static partial class Log
    {
        [LoggerMessage(220, LogLevel.Information, "MutatingWebhookConfiguration {Name} now calls {Url}", EventName = "WebhookPointed")]
        public static partial void Pointed(ILogger logger, string name, string url);

        [LoggerMessage(221, LogLevel.Information, "MutatingWebhookConfiguration {Name} put back as it was before this run", EventName = "WebhookRestored")]
        public static partial void Restored(ILogger logger, string name);

        [LoggerMessage(222, LogLevel.Warning, "MutatingWebhookConfiguration {Name} does not exist: Deployment updates are not intercepted (apply deploy/controller.yaml); only the level-triggered fallback catches releases", EventName = "WebhookConfigurationMissing")]
        public static partial void ConfigurationMissing(ILogger logger, string name);

        [LoggerMessage(223, LogLevel.Information, "Wrote the webhook CA into MutatingWebhookConfiguration {Name}", EventName = "WebhookCaBundleInjected")]
        public static partial void CaBundleInjected(ILogger logger, string name);
    }
}
