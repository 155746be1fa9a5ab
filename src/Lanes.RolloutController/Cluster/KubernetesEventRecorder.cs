using System.Globalization;
using Microsoft.Extensions.Logging;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// Records core/v1 Events on Rollouts and TrafficRoutings, so <c>kubectl describe</c> and <c>kubectl get events</c>
/// show why a release waits. A failure to record is logged and never stops a reconcile.
/// </summary>
internal sealed partial class KubernetesEventRecorder(IKubernetes client, TimeProvider timeProvider, ILogger<KubernetesEventRecorder> logger)
{
    public const string Component = "lanes-rollout-controller";
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    // The API server's limit for an Event's message (events.k8s.io note).
    private const int MaxMessageLength = 1024;

    public async Task RecordAsync(V1ObjectReference involved, string type, string reason, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(involved);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var nanos = (now - DateTime.UnixEpoch).Ticks * 100;
        var body = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                // client-go's naming, plus a random tail so two Events in the same tick never collide.
                Name = string.Create(CultureInfo.InvariantCulture, $"{involved.Name}.{nanos:x}{Random.Shared.Next(0x10000):x4}"),
                NamespaceProperty = involved.NamespaceProperty,
            },
            InvolvedObject = involved,
            Type = type,
            Reason = reason,
            Message = message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = Environment.MachineName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, involved.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Recorded(logger, type, reason, involved.Kind, involved.NamespaceProperty, involved.Name, message);
        }
        catch (HttpOperationException e)
        {
            Log.RecordFailed(logger, reason, involved.Kind, involved.NamespaceProperty, involved.Name, ApiCalls.Describe(e));
        }
    }
}
