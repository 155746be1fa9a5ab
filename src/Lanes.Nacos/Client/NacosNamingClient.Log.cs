using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Client;

internal sealed partial class NacosNamingClient
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Message = "Nacos at {Server} failed to {Operation} '{ServiceName}' ({Reason}); trying the next server.", EventName = "NacosServerFailed")]
        public static partial void ServerFailed(ILogger logger, LogLevel level, string operation, string serviceName, string server, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Nacos answered a heartbeat of '{ServiceName}' with '{Answer}'.", EventName = "NacosUnexpectedBeatAnswer")]
        public static partial void UnexpectedBeatAnswer(ILogger logger, string serviceName, string answer);
    }
}
