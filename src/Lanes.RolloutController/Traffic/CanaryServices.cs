using System.Text.Json.Nodes;
using Lanes.RolloutController.Cluster;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Traffic;

/// <summary>
/// The Services of a Rollout's own traffic routing (Kruise's manager): <c>&lt;service&gt;-canary</c> selects only the
/// canary pods, and the stable Service is narrowed to the stable pods by <c>pod-template-hash</c>, so untagged traffic
/// never reaches a canary. Finalising restores the stable selector and deletes the canary Service.
/// </summary>
internal sealed class CanaryServices(IKubernetes client)
{
    public const string RevisionLabel = "pod-template-hash";

    public static string NameFor(string service) => service + "-canary";

    /// <summary>Creates or repoints the canary Service and narrows the stable one; one round of changes per call.</summary>
    public async Task<TrafficRoutingResult> EnsureAsync(TrafficRoutingContext context, V1Service stable, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(context.StableRevision) || string.IsNullOrEmpty(context.CanaryRevision))
        {
            return TrafficRoutingResult.Pending("waiting for the pod-template-hash of the stable and canary pods");
        }

        var ns = context.Namespace;
        var canaryName = NameFor(stable.Metadata.Name);
        var changes = new List<string>();
        var canary = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedServiceAsync(canaryName, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (canary is null)
        {
            await client.CoreV1.CreateNamespacedServiceAsync(BuildCanary(context, stable, canaryName), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            changes.Add($"created canary Service {ns}/{canaryName}");
        }
        else if (!context.Owner.Controls(canary.Metadata.OwnerReferences))
        {
            return TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryConflict,
                $"Service {ns}/{canaryName} exists and is not owned by {context.Owner}; delete or rename it so the canary Service can be created");
        }
        else if (canary.Spec?.Selector?.TryGetValue(RevisionLabel, out var selected) != true || selected != context.CanaryRevision)
        {
            await PatchSelectorAsync(canaryName, ns, context.CanaryRevision, cancellationToken).ConfigureAwait(false);
            changes.Add($"pointed canary Service {ns}/{canaryName} at {RevisionLabel}={context.CanaryRevision}");
        }

        if (stable.Spec?.Selector?.TryGetValue(RevisionLabel, out var stableSelected) != true || stableSelected != context.StableRevision)
        {
            await PatchSelectorAsync(stable.Metadata.Name, ns, context.StableRevision, cancellationToken).ConfigureAwait(false);
            changes.Add($"narrowed stable Service {ns}/{stable.Metadata.Name} to {RevisionLabel}={context.StableRevision}");
        }

        return changes.Count == 0 ? TrafficRoutingResult.Done : TrafficRoutingResult.Pending(string.Join("; ", changes));
    }

    /// <summary>Narrows the stable Service before the first canary pod exists (Kruise does this at step 1).</summary>
    public async Task<TrafficRoutingResult> NarrowStableAsync(TrafficRoutingContext context, V1Service stable, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(context.StableRevision) ||
            (stable.Spec?.Selector?.TryGetValue(RevisionLabel, out var selected) == true && selected == context.StableRevision))
        {
            return TrafficRoutingResult.Done;
        }

        await PatchSelectorAsync(stable.Metadata.Name, context.Namespace, context.StableRevision, cancellationToken).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"narrowed stable Service {context.Namespace}/{stable.Metadata.Name} to {RevisionLabel}={context.StableRevision} before canary pods start");
    }

    /// <summary>Lets the stable Service select every pod again.</summary>
    public async Task<TrafficRoutingResult> RestoreStableAsync(TrafficRoutingContext context, V1Service? stable, CancellationToken cancellationToken)
    {
        if (stable?.Spec?.Selector?.ContainsKey(RevisionLabel) != true)
        {
            return TrafficRoutingResult.Done;
        }

        await PatchSelectorAsync(stable.Metadata.Name, context.Namespace, null, cancellationToken).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"restored the selector of stable Service {context.Namespace}/{stable.Metadata.Name}");
    }

    public async Task<TrafficRoutingResult> RemoveCanaryAsync(TrafficRoutingContext context, string stableService, CancellationToken cancellationToken)
    {
        var ns = context.Namespace;
        var name = NameFor(stableService);
        var canary = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (canary is null || canary.Metadata.DeletionTimestamp is not null || !context.Owner.Controls(canary.Metadata.OwnerReferences))
        {
            return TrafficRoutingResult.Done;
        }

        await ApiCalls.DeleteAsync(() => client.CoreV1.DeleteNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"deleted canary Service {ns}/{name}");
    }

    private Task PatchSelectorAsync(string name, string ns, string? revision, CancellationToken cancellationToken) =>
        client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["selector"] = new JsonObject { [RevisionLabel] = revision } } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            name, ns, cancellationToken: cancellationToken);

    // A copy of the stable Service without anything the API server allocates (Kruise's createCanaryService).
    private static V1Service BuildCanary(TrafficRoutingContext context, V1Service stable, string name)
    {
        var spec = KubernetesJson.Deserialize<V1ServiceSpec>(KubernetesJson.Serialize(stable.Spec));
        spec.ClusterIP = null;
        spec.ClusterIPs = null;
        spec.ExternalIPs = null;
        spec.IpFamilies = null;
        spec.IpFamilyPolicy = null;
        spec.LoadBalancerIP = null;
        spec.HealthCheckNodePort = null;
        foreach (var port in spec.Ports ?? [])
        {
            port.NodePort = null;
        }

        var selector = spec.Selector is null ? new Dictionary<string, string>() : new Dictionary<string, string>(spec.Selector);
        selector[RevisionLabel] = context.CanaryRevision!;
        foreach (var (key, value) in context.CanarySelectorPatch ?? new Dictionary<string, string>())
        {
            if (selector.ContainsKey(key))
            {
                selector[key] = value;
            }
        }

        spec.Selector = selector;
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = context.Namespace,
                Labels = stable.Metadata.Labels is null ? null : new Dictionary<string, string>(stable.Metadata.Labels),
                Annotations = stable.Metadata.Annotations is null ? null : new Dictionary<string, string>(stable.Metadata.Annotations),
                OwnerReferences = [context.Owner.ToOwnerReference()],
            },
            Spec = spec,
        };
    }
}
