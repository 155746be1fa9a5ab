using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Traffic;

internal sealed partial class TrafficRoutingManager
{
    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "{Owner}: {Change}", EventName = "RoutesChanged")]
        public static partial void RoutesChanged(ILogger logger, string owner, string change);

        [LoggerMessage(61, LogLevel.Warning, "{Owner}: traffic routes are not in place ({Reason}): {Message}", EventName = "RoutesFailed")]
        public static partial void RoutesFailed(ILogger logger, string owner, string reason, string message);

        [LoggerMessage(62, LogLevel.Error, "{Owner}: a traffic provider threw", EventName = "ProviderThrew")]
        public static partial void ProviderThrew(ILogger logger, string owner, Exception exception);
    }
}
