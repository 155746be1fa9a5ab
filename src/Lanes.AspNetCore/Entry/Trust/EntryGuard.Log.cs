using Microsoft.Extensions.Logging;

namespace Lanes.AspNetCore.Entry.Trust;

internal sealed partial class EntryGuard
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Removed the lane an untrusted client sent; the request is base unless a rule says otherwise.", EventName = "UntrustedLaneRemoved")]
        public static partial void Untrusted(ILogger logger);

        [LoggerMessage(2, LogLevel.Information, "Ignored a lane token ({Reason}); the request is base unless a rule says otherwise.", EventName = "LaneTokenRejected")]
        public static partial void TokenRejected(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Debug, "A lane token opened lane '{Lane}'.", EventName = "LaneTokenAccepted")]
        public static partial void TokenAccepted(ILogger logger, string lane);

        [LoggerMessage(4, LogLevel.Information, "Lane '{Lane}' is not in Lanes:Entry:AllowedLanes; the request is base unless a rule says otherwise.", EventName = "LaneNotAllowed")]
        public static partial void LaneNotAllowed(ILogger logger, string lane);

        [LoggerMessage(5, LogLevel.Information, "Refused a request: header '{Header}' is longer than {Limit} characters.", EventName = "HeaderTooLarge")]
        public static partial void HeaderTooLarge(ILogger logger, string header, int limit);

        [LoggerMessage(6, LogLevel.Warning, "Lane token key ignored: {Reason}", EventName = "LaneTokenKeyIgnored")]
        public static partial void KeyIgnored(ILogger logger, string reason);
    }
}
