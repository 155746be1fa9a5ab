using Microsoft.Extensions.Logging;

namespace Lanes.AspNetCore.Entry;

internal sealed partial class EntryRules
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Entry rules reloaded from {Source}: version {Version} is in force with {RuleCount} rules.", EventName = "EntryRulesReloaded")]
        public static partial void Reloaded(ILogger logger, string source, long version, int ruleCount);

        [LoggerMessage(2, LogLevel.Warning, "Rejected a reload of the entry rules from {Source}; the rules in force (version {Version}) stay. {Errors}", EventName = "EntryRulesReloadRejected")]
        public static partial void ReloadRejected(ILogger logger, string source, long version, string errors);

        [LoggerMessage(3, LogLevel.Warning, "The entry rules directory {Directory} does not exist; it holds no rules until it appears.", EventName = "EntryRulesDirectoryMissing")]
        public static partial void DirectoryMissing(ILogger logger, string directory);

        [LoggerMessage(4, LogLevel.Warning, "Cannot watch the entry rules directory {Directory} ({Reason}); changes are found by polling only.", EventName = "EntryRulesWatchFailed")]
        public static partial void WatchFailed(ILogger logger, string directory, string reason);
    }
}
