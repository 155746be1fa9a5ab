using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Subscriptions;

internal sealed partial class NacosServiceCatalog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Not following Nacos service '{ServiceName}': {MaxServices} services are followed already (Lanes:Nacos:MaxServices).", EventName = "NacosTooManyServices")]
        public static partial void TooManyServices(ILogger logger, string serviceName, int maxServices);

        [LoggerMessage(2, LogLevel.Warning, "Ignored a Nacos push: {Reason}.", EventName = "NacosPushRejected")]
        public static partial void PushRejected(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Ignored a Nacos push for '{ServiceName}', which this process does not follow.", EventName = "NacosPushForUnknownService")]
        public static partial void PushForUnknownService(ILogger logger, string serviceName);
    }
}
