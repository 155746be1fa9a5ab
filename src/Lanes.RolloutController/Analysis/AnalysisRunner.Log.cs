using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Analysis;

internal sealed partial class AnalysisRunner
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Analysis {Templates} of step {Step} of Rollout {Namespace}/{Name} started")]
        public static partial void Started(ILogger logger, string @namespace, string name, string templates, int step);

        [LoggerMessage(2, LogLevel.Information, "Analysis of step {Step} of Rollout {Namespace}/{Name} finished: {Phase}")]
        public static partial void Finished(ILogger logger, string @namespace, string name, int step, string phase);
    }
}
