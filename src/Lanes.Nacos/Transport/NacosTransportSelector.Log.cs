using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Transport;

internal sealed partial class NacosTransportSelector
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Talking to Nacos over {Transport} (Lanes:Nacos:Transport = {Configured}), server {Server}.", EventName = "NacosTransportChosen")]
        public static partial void TransportChosen(ILogger logger, string transport, string configured, string server);

        [LoggerMessage(EventId = 2, Message = "No Nacos server answered, neither gRPC (main port + {Offset}) nor HTTP ({Servers}); routing continues from the last known instances and the failover cache. Retrying.", EventName = "NacosUnreachable")]
        public static partial void NoServerAnswered(ILogger logger, LogLevel level, string servers, int offset);
    }
}
