using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Grpc;

internal sealed partial class NacosGrpcConnection
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connected to Nacos at {Server} over gRPC (connection {ConnectionId}).", EventName = "NacosGrpcConnected")]
        public static partial void Connected(ILogger logger, string server, string connectionId);

        [LoggerMessage(EventId = 2, Message = "Could not connect to Nacos at {Server} over gRPC: {Reason}", EventName = "NacosGrpcConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, LogLevel level, string server, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Lost the gRPC connection to Nacos at {Server} ({Reason}); reconnecting. Routing keeps the last known instances.", EventName = "NacosGrpcConnectionLost")]
        public static partial void ConnectionLost(ILogger logger, string server, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Could not register this client's instances again with Nacos at {Server} after reconnecting; retrying: {Reason}", EventName = "NacosGrpcRedoFailed")]
        public static partial void RedoFailed(ILogger logger, string server, string reason);

        [LoggerMessage(EventId = 5, Message = "Ignored a {Type} message from Nacos at {Server}: {Reason}.", EventName = "NacosGrpcMessageIgnored")]
        public static partial void MessageIgnored(ILogger logger, LogLevel level, string type, string server, string reason);

        [LoggerMessage(6, LogLevel.Information, "Nacos at {Server} asked this client to reconnect; moving to {Target}.", EventName = "NacosGrpcConnectionReset")]
        public static partial void ResetRequested(ILogger logger, string server, string target);

        [LoggerMessage(7, LogLevel.Error, "The Nacos gRPC connection loop failed and goes on: {Reason}", EventName = "NacosGrpcSupervisorFailed")]
        public static partial void SupervisorFailed(ILogger logger, string reason);
    }
}
