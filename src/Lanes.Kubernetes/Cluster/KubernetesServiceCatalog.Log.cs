using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Cluster;

internal sealed partial class KubernetesServiceCatalog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching EndpointSlices and pods in namespace '{Namespace}' (client configuration: {Source}).", EventName = "KubernetesNamespaceWatched")]
        public static partial void Watching(ILogger logger, string @namespace, string source);

        [LoggerMessage(2, LogLevel.Warning, "Not watching namespace '{Namespace}': {MaxNamespaces} namespaces are watched already (Lanes:Kubernetes:MaxNamespaces).", EventName = "KubernetesTooManyNamespaces")]
        public static partial void TooManyNamespaces(ILogger logger, string @namespace, int maxNamespaces);
    }
}
