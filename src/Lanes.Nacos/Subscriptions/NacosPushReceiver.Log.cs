using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Subscriptions;

internal sealed partial class NacosPushReceiver
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Listening for Nacos pushes on UDP port {Port}.", EventName = "NacosPushListening")]
        public static partial void Listening(ILogger logger, int port);

        [LoggerMessage(2, LogLevel.Warning, "Could not listen for Nacos pushes on {Address}:{Port} ({Reason}); changes are seen by polling only.", EventName = "NacosPushBindFailed")]
        public static partial void BindFailed(ILogger logger, string address, int port, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Dropped a UDP packet from {Sender}: {Reason}.", EventName = "NacosPushDropped")]
        public static partial void PacketDropped(ILogger logger, string sender, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Failed to handle a UDP push from {Sender}: {Reason}", EventName = "NacosPushFailed")]
        public static partial void PacketFailed(ILogger logger, string sender, string reason);

        [LoggerMessage(5, LogLevel.Debug, "Receiving a Nacos push failed: {Reason}", EventName = "NacosPushReceiveFailed")]
        public static partial void ReceiveFailed(ILogger logger, string reason);
    }
}
