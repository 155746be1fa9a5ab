using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Transport;

internal sealed partial class NacosStartupCheck
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "No Nacos server answered within {Timeout} at start; starting anyway and connecting in the background.", EventName = "NacosNotYetConnected")]
        public static partial void NotYetConnected(ILogger logger, TimeSpan timeout);

        [LoggerMessage(2, LogLevel.Warning, "The first read from Nacos failed at start; starting anyway: {Reason}", EventName = "NacosStartupProbeFailed")]
        public static partial void ProbeFailed(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Error, "{Reason}", EventName = "NacosStartupProbeRefused")]
        public static partial void ProbeRefused(ILogger logger, string reason);
    }
}
