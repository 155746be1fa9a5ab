using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Cluster;

internal sealed partial class NamespaceView
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Endpoints of Service '{Namespace}/{ServiceName}' changed ({SliceCount} EndpointSlices).", EventName = "KubernetesEndpointsChanged")]
        public static partial void EndpointsChanged(ILogger logger, string @namespace, string serviceName, int sliceCount);

        [LoggerMessage(2, LogLevel.Warning, "Ignored {Count} endpoints of Service '{Namespace}/{ServiceName}' in EndpointSlice '{Slice}': {Detail}. The other endpoints keep serving; logged once per Service.", EventName = "KubernetesEndpointsIgnored")]
        public static partial void EndpointsIgnored(ILogger logger, string @namespace, string serviceName, string slice, int count, string detail);

        [LoggerMessage(3, LogLevel.Warning, "Pod '{Namespace}/{Pod}' has the lane label {Label}, which is not a valid lane; it gets no traffic (neither base nor lane) until the label is fixed.", EventName = "KubernetesPodLaneInvalid")]
        public static partial void InvalidLane(ILogger logger, string @namespace, string pod, string label);

        [LoggerMessage(4, LogLevel.Information, "Pod '{Namespace}/{Pod}' has no labels; its endpoints are treated as base.", EventName = "KubernetesPodWithoutLabels")]
        public static partial void PodWithoutLabels(ILogger logger, string @namespace, string pod);
    }
}
