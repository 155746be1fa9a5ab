using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Cluster;

internal sealed partial class KubernetesEventRecorder
{
    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Debug, "Event {Type} {Reason} on {Kind} {Namespace}/{Name}: {Message}", EventName = "EventRecorded")]
        public static partial void Recorded(ILogger logger, string type, string reason, string kind, string @namespace, string name, string message);

        [LoggerMessage(71, LogLevel.Warning, "Could not record Event {Reason} on {Kind} {Namespace}/{Name}: {Error}", EventName = "EventRecordFailed")]
        public static partial void RecordFailed(ILogger logger, string reason, string kind, string @namespace, string name, string error);
    }
}
