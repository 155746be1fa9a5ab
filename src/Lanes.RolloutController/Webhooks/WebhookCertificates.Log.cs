using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Webhooks;

internal sealed partial class WebhookCertificates
{
    private static partial class Log
    {
        [LoggerMessage(210, LogLevel.Information, "Webhook certificate loaded ({Mode}): {Subject}, valid until {NotAfter:u}", EventName = "WebhookCertificateLoaded")]
        public static partial void Loaded(ILogger logger, string mode, string subject, DateTime notAfter);

        [LoggerMessage(211, LogLevel.Warning, "Webhook certificate from {Source} not reloaded, the previous one is kept: {Error}", EventName = "WebhookCertificateReloadFailed")]
        public static partial void ReloadFailed(ILogger logger, string source, string error);

        [LoggerMessage(212, LogLevel.Information, "Created Secret {Namespace}/{Name} with a new webhook CA and serving certificate", EventName = "WebhookSecretCreated")]
        public static partial void SecretCreated(ILogger logger, string @namespace, string name);
    }
}
