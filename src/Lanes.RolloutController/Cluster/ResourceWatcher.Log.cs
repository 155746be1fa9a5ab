using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Cluster;

internal sealed partial class ResourceWatcher
{
    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Debug, "Listed {Count} {Resource} at resourceVersion {ResourceVersion}", EventName = "WatchListed")]
        public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

        [LoggerMessage(31, LogLevel.Information, "Watch of {Resource} expired at resourceVersion {ResourceVersion} (410 Gone); relisting", EventName = "WatchExpired")]
        public static partial void Expired(ILogger logger, string resource, string? resourceVersion);

        [LoggerMessage(32, LogLevel.Debug, "Watch of {Resource} closed; resuming from resourceVersion {ResourceVersion}", EventName = "WatchClosed")]
        public static partial void Closed(ILogger logger, string resource, string? resourceVersion);

        [LoggerMessage(33, LogLevel.Warning, "Watch of {Resource} failed; retrying", EventName = "WatchFailed")]
        public static partial void WatchError(ILogger logger, string resource, Exception exception);
    }
}
