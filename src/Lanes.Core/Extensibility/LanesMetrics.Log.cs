using Microsoft.Extensions.Logging;

namespace Lanes.Extensibility;

public sealed partial class LanesMetrics
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Count} lanes have their own value of the metric attribute lanes.lane already; lane '{Lane}' and every later one are reported as '(other)' (counted in lanes.metrics.lane_overflow). Raise Lanes:Metrics:MaxLanes if that many lanes are meant to run at once.", EventName = "LaneMetricsOverflow")]
        public static partial void LaneOverflow(ILogger logger, int count, string lane);
    }
}
