using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary>
/// Canary by Ingress annotations (Kruise's ingress provider): <c>&lt;ingress&gt;-canary</c> is created from the stable
/// Ingress at weight 0, then its annotations follow each step, and it is deleted when the release finalises.
/// Subclasses say which class type they serve and how its annotations are written.
/// </summary>
internal abstract class IngressProvider(IKubernetes client) : ITrafficRoutingProvider
{
    public abstract string Name { get; }

    public bool UsesCanaryService => true;

    public bool CanRoute(TrafficEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Kind == TrafficEntryKind.Ingress && string.Equals(entry.ClassType, Name, StringComparison.Ordinal);
    }

    /// <summary>The canary annotations for a step, from the canary's current annotations.</summary>
    protected abstract Dictionary<string, string> CanaryAnnotations(IReadOnlyDictionary<string, string>? current, int weight, TrafficStrategy strategy);

    public async ValueTask<TrafficRoutingResult> InitializeAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (_, problem) = await ReadStableAsync(request, cancellationToken).ConfigureAwait(false);
        return problem ?? TrafficRoutingResult.Done;
    }

    public async ValueTask<TrafficRoutingResult> EnsureRoutesAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (desired, problem) = await ReadStableAsync(request, cancellationToken).ConfigureAwait(false);
        if (desired is null)
        {
            return problem!.Value;
        }

        var ns = request.Namespace;
        var name = desired.Metadata.Name;
        var weight = request.Strategy.CanaryPercent();
        var canary = await ApiCalls.GetOrNullAsync(() => client.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (canary is null)
        {
            if (weight == 0 && request.Strategy.Matches is not { Count: > 0 })
            {
                return TrafficRoutingResult.Done;
            }

            // Created at weight 0 with no matches, as Kruise does; the next call applies the step.
            desired.Metadata.Annotations = CanaryAnnotations(desired.Metadata.Annotations?.AsReadOnly(), 0, new TrafficStrategy());
            await client.NetworkingV1.CreateNamespacedIngressAsync(desired, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TrafficRoutingResult.Pending($"created canary Ingress {ns}/{name} at weight 0");
        }

        if (canary.Metadata.DeletionTimestamp is not null)
        {
            return TrafficRoutingResult.Pending($"waiting for the old canary Ingress {ns}/{name} to be deleted");
        }

        if (!request.Owner.Controls(canary.Metadata.OwnerReferences))
        {
            return TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryConflict,
                $"Ingress {ns}/{name} exists and is not owned by {request.OwnerDescription}; delete or rename it so the canary Ingress can be created ({request.Entry.Field}.name)");
        }

        var annotations = CanaryAnnotations(canary.Metadata.Annotations?.AsReadOnly(), weight, request.Strategy);
        var sameAnnotations = SameAnnotations(canary.Metadata.Annotations, annotations);
        var sameSpec = CanaryIngress.SameSpec(canary, desired);
        if (sameAnnotations && sameSpec)
        {
            return TrafficRoutingResult.Done;
        }

        var patch = new JsonObject();
        if (!sameAnnotations)
        {
            var changes = new JsonObject();
            foreach (var key in canary.Metadata.Annotations?.Keys ?? [])
            {
                if (!annotations.ContainsKey(key))
                {
                    changes[key] = null;
                }
            }

            foreach (var (key, value) in annotations)
            {
                if (canary.Metadata.Annotations?.TryGetValue(key, out var old) != true || old != value)
                {
                    changes[key] = value;
                }
            }

            patch["metadata"] = new JsonObject { ["annotations"] = changes };
        }

        if (!sameSpec)
        {
            patch["spec"] = JsonNode.Parse(KubernetesJson.Serialize(new V1IngressSpec
            {
                IngressClassName = desired.Spec.IngressClassName,
                Tls = desired.Spec.Tls ?? [],
                Rules = desired.Spec.Rules,
            }));
        }

        await client.NetworkingV1.PatchNamespacedIngressAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        return TrafficRoutingResult.Pending(sameSpec
            ? $"updated the canary annotations of Ingress {ns}/{name}"
            : $"updated the rules of canary Ingress {ns}/{name} from Ingress {ns}/{request.Entry.Name}");
    }

    public async ValueTask<TrafficRoutingResult> FinaliseAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ns = request.Namespace;
        var name = CanaryIngress.NameFor(request.Entry.Name);
        var canary = await ApiCalls.GetOrNullAsync(() => client.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (canary is null || canary.Metadata.DeletionTimestamp is not null || !request.Owner.Controls(canary.Metadata.OwnerReferences))
        {
            return TrafficRoutingResult.Done;
        }

        await ApiCalls.DeleteAsync(() => client.NetworkingV1.DeleteNamespacedIngressAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"deleted canary Ingress {ns}/{name}");
    }

    // The stable Ingress and the canary built from it, or the problem that prevents it.
    private async Task<(V1Ingress? Desired, TrafficRoutingResult? Problem)> ReadStableAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        var ns = request.Namespace;
        var name = request.Entry.Name;
        var stable = await ApiCalls.GetOrNullAsync(() => client.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (stable is null)
        {
            return (null, TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryNotFound,
                $"Ingress {ns}/{name} not found ({request.OwnerDescription}, {request.Entry.Field}.name)"));
        }

        var desired = CanaryIngress.Build(stable, request);
        return desired is null
            ? (null, TrafficRoutingResult.Failed(TrafficRoutingReasons.InvalidEntry,
                $"Ingress {ns}/{name} has no rule for Service {request.StableService} (spec.rules[].http.paths[].backend.service.name), which {request.OwnerDescription} names in {request.Entry.ServiceField}; nothing was changed"))
            : (desired, null);
    }

    private static bool SameAnnotations(IDictionary<string, string>? current, Dictionary<string, string> desired) =>
        (current?.Count ?? 0) == desired.Count && desired.All(p => current!.TryGetValue(p.Key, out var v) && v == p.Value);
}
