using k8s.Models;
using Lanes.Extensibility;
using Lanes.Identity;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// The lane a pod serves, read from its labels by the rules of <c>Lanes.Identity</c> (the same a pod applies to
/// itself): <c>alicloud.service.tag</c>, then <c>opensergo.io/canary-&lt;lane&gt;</c>, else base. A label whose
/// value is not a valid lane makes the pod unusable rather than base: a canary must never take base traffic.
/// </summary>
internal readonly record struct PodLane(string? Uid, Lane Lane, bool Valid, bool Unlabelled)
{
    /// <summary>The label and value that named an invalid lane, for the log.</summary>
    public string? InvalidLabel { get; init; }

    public static PodLane Read(V1Pod pod)
    {
        var uid = pod.Metadata?.Uid;
        var labels = pod.Metadata?.Labels;
        if (labels is null || labels.Count == 0)
        {
            return new PodLane(uid, Lane.Base, Valid: true, Unlabelled: true);
        }

        var readOnly = labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(labels, StringComparer.Ordinal);
        if (InstanceLaneLabels.FindLane(readOnly) is not { } found)
        {
            return new PodLane(uid, Lane.Base, Valid: true, Unlabelled: false);
        }

        return Lane.TryParse(found.Value, out var lane)
            ? new PodLane(uid, lane, Valid: true, Unlabelled: false)
            : new PodLane(uid, Lane.Base, Valid: false, Unlabelled: false) { InvalidLabel = $"{found.Label}={found.Value}" };
    }
}
