using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Registration;

internal sealed partial class NacosRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Registered {Ip}:{Port} as an instance of Nacos service '{ServiceName}' in lane '{Lane}' (over {Transport}).", EventName = "NacosRegistered")]
        public static partial void Registered(ILogger logger, string serviceName, string ip, int port, string lane, string transport);

        [LoggerMessage(EventId = 2, Message = "Could not register {Ip}:{Port} with Nacos service '{ServiceName}'; retrying every second: {Reason}", EventName = "NacosRegisterFailed")]
        public static partial void RegisterFailed(ILogger logger, LogLevel level, string serviceName, string ip, int port, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Nacos no longer knows {Ip}:{Port} of service '{ServiceName}' (20404); registering it again.", EventName = "NacosInstanceNotFound")]
        public static partial void InstanceNotFound(ILogger logger, string serviceName, string ip, int port);

        [LoggerMessage(EventId = 4, Message = "A heartbeat of {Ip}:{Port} of Nacos service '{ServiceName}' failed: {Reason}", EventName = "NacosHeartbeatFailed")]
        public static partial void HeartbeatFailed(ILogger logger, LogLevel level, string serviceName, string ip, int port, string reason);

        [LoggerMessage(5, LogLevel.Information, "Deregistered {Ip}:{Port} from Nacos service '{ServiceName}'.", EventName = "NacosDeregistered")]
        public static partial void Deregistered(ILogger logger, string serviceName, string ip, int port);

        [LoggerMessage(6, LogLevel.Warning, "Could not deregister {Ip}:{Port} from Nacos service '{ServiceName}'; the server drops it when heartbeats stop or the connection closes: {Reason}", EventName = "NacosDeregisterFailed")]
        public static partial void DeregisterFailed(ILogger logger, string serviceName, string ip, int port, string reason);
    }
}
