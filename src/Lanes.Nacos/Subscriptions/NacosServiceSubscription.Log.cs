using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Subscriptions;

internal sealed partial class NacosServiceSubscription
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Nacos service '{ServiceName}' now has {Count} instances (from {Source}).", EventName = "NacosInstancesChanged")]
        public static partial void ListChanged(ILogger logger, string serviceName, ServiceInfoSource source, int count);

        [LoggerMessage(2, LogLevel.Warning, "Ignored an instance list of Nacos service '{ServiceName}' from {Source} and kept the last good one: {Reason}.", EventName = "NacosInstancesRejected")]
        public static partial void ListRejected(ILogger logger, string serviceName, ServiceInfoSource source, string reason);

        [LoggerMessage(EventId = 3, Message = "Could not refresh Nacos service '{ServiceName}'; still routing to the {Count} instances last known: {Reason}", EventName = "NacosRefreshFailed")]
        public static partial void RefreshFailed(ILogger logger, LogLevel level, string serviceName, int count, string reason);

        [LoggerMessage(EventId = 4, Message = "No Nacos server answered for '{ServiceName}'; starting from the {Count} instances of the failover cache.", EventName = "NacosFailoverCacheUsed")]
        public static partial void FailoverCacheUsed(ILogger logger, LogLevel level, string serviceName, int count);

        [LoggerMessage(5, LogLevel.Debug, "Ignored a push for Nacos service '{ServiceName}' older than the list in use ({PushRefTime} < {CurrentRefTime}).", EventName = "NacosStalePushIgnored")]
        public static partial void StalePushIgnored(ILogger logger, string serviceName, long pushRefTime, long currentRefTime);

        [LoggerMessage(6, LogLevel.Warning, "Nacos reported no instances of '{ServiceName}' (from {Source}); keeping the {Count} known and asking again: an empty list applies only once confirmed for {Window} (PushEmptyProtection).", EventName = "NacosEmptyListHeld")]
        public static partial void EmptyListHeld(ILogger logger, string serviceName, ServiceInfoSource source, int count, TimeSpan window);

        [LoggerMessage(7, LogLevel.Warning, "{Count} instances of Nacos service '{ServiceName}' carry a lane tag that is not a valid lane; they receive no traffic.", EventName = "NacosInvalidLaneTags")]
        public static partial void InvalidLanes(ILogger logger, string serviceName, int count);

        [LoggerMessage(8, LogLevel.Warning, "Nacos still reports no instances of '{ServiceName}' after {Window}: the service is empty now.", EventName = "NacosEmptyListConfirmed")]
        public static partial void EmptyListConfirmed(ILogger logger, string serviceName, TimeSpan window);

        [LoggerMessage(9, LogLevel.Information, "Kept {Count} instances of Nacos service '{ServiceName}' that a list from {Source} lacks: the registry came back and they may be re-registering (for {Remaining} more).", EventName = "NacosMissingInstancesKept")]
        public static partial void MissingKept(ILogger logger, string serviceName, int count, ServiceInfoSource source, TimeSpan remaining);
    }
}
