using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Grpc;

internal sealed partial class NacosGrpcTransport
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Registered {Count} instances again after reconnecting to Nacos.", EventName = "NacosGrpcReregistered")]
        public static partial void Reregistered(ILogger logger, int count);
    }
}
