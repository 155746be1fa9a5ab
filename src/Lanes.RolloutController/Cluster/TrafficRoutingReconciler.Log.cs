using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Cluster;

internal sealed partial class TrafficRoutingReconciler
{
    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "TrafficRouting {Namespace}/{Name} is now {Phase}", EventName = "TrafficRoutingPhaseChanged")]
        public static partial void PhaseChanged(ILogger logger, string @namespace, string name, string? phase);

        [LoggerMessage(21, LogLevel.Warning, "TrafficRouting {Namespace}/{Name} cannot be read: {Error}", EventName = "TrafficRoutingUnreadable")]
        public static partial void Unreadable(ILogger logger, string @namespace, string name, string error);
    }
}
