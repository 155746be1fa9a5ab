using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Watching;

internal sealed partial class ResourceWatch<T>
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Listed {Count} {Resource} in namespace '{Namespace}' at resourceVersion {ResourceVersion}.", EventName = "KubernetesListed")]
        public static partial void Listed(ILogger logger, string resource, string @namespace, int count, string? resourceVersion);

        [LoggerMessage(2, LogLevel.Information, "The watch of {Resource} in namespace '{Namespace}' expired at resourceVersion {ResourceVersion} (410 Gone); relisting.", EventName = "KubernetesWatchExpired")]
        public static partial void Expired(ILogger logger, string resource, string @namespace, string? resourceVersion);

        [LoggerMessage(3, LogLevel.Debug, "The watch of {Resource} in namespace '{Namespace}' closed; resuming from resourceVersion {ResourceVersion}.", EventName = "KubernetesWatchClosed")]
        public static partial void Closed(ILogger logger, string resource, string @namespace, string? resourceVersion);

        [LoggerMessage(4, LogLevel.Warning, "Lost the watch of {Resource} in namespace '{Namespace}' ({Reason}); the last known endpoints keep serving while it reconnects.", EventName = "KubernetesWatchLost")]
        public static partial void Lost(ILogger logger, string resource, string @namespace, string reason, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "Could not list {Resource} in namespace '{Namespace}' ({Reason}); services there have no endpoints until it answers.", EventName = "KubernetesListFailed")]
        public static partial void ListFailed(ILogger logger, string resource, string @namespace, string reason, Exception exception);

        [LoggerMessage(6, LogLevel.Error, "The Kubernetes API server refused to {Verb} {Resource} in namespace '{Namespace}' ({Reason}). Grant this pod's service account get, list and watch on endpointslices (discovery.k8s.io) and pods in the namespace.", EventName = "KubernetesWatchForbidden")]
        public static partial void Refused(ILogger logger, string resource, string @namespace, string verb, string reason);

        [LoggerMessage(7, LogLevel.Debug, "Still cannot watch {Resource} in namespace '{Namespace}': {Reason}.", EventName = "KubernetesWatchStillFailing")]
        public static partial void StillFailing(ILogger logger, string resource, string @namespace, string reason);

        [LoggerMessage(8, LogLevel.Information, "The watch of {Resource} in namespace '{Namespace}' is back after {Seconds:F1} s.", EventName = "KubernetesWatchRecovered")]
        public static partial void Recovered(ILogger logger, string resource, string @namespace, double seconds);
    }
}
