using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Client;

internal sealed partial class NacosAuthenticator
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Logged in to Nacos at {Server} as '{UserName}'; the token lives {Ttl}.", EventName = "NacosLoggedIn")]
        public static partial void LoggedIn(ILogger logger, string userName, string server, TimeSpan ttl);

        [LoggerMessage(2, LogLevel.Error, "Nacos at {Server} refused the login of user '{UserName}' with status {StatusCode}.", EventName = "NacosLoginRefused")]
        public static partial void LoginRefused(ILogger logger, string userName, string server, int statusCode);

        [LoggerMessage(3, LogLevel.Information, "Nacos refused the access token of user '{UserName}'; logging in again.", EventName = "NacosTokenRejected")]
        public static partial void TokenRejected(ILogger logger, string userName);
    }
}
