using System.Text.Json.Nodes;
using Lanes.RolloutController.Cluster;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Traffic.Lanes;

/// <summary>
/// <c>ingress: {classType: lanes, name: &lt;gateway&gt;}</c>: the Lanes entry gateway. The strategy is written to the
/// gateway's rules ConfigMap (<see cref="LanesEntryRules"/>), which the gateway mounts and reloads; the key is
/// removed when the release finalises. The lane is told apart by pod labels, so no canary Service is needed.
/// </summary>
internal sealed class LanesEntryProvider(IKubernetes client) : ITrafficRoutingProvider
{
    public const string ClassType = "lanes";

    public string Name => ClassType;

    public bool UsesCanaryService => false;

    public bool CanRoute(TrafficEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Kind == TrafficEntryKind.Ingress && entry.ClassType == ClassType;
    }

    public async ValueTask<TrafficRoutingResult> InitializeAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (_, problem) = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return problem ?? TrafficRoutingResult.Done;
    }

    public async ValueTask<TrafficRoutingResult> EnsureRoutesAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (configMap, problem) = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (configMap is null)
        {
            return problem!.Value;
        }

        var key = LanesEntryRules.KeyFor(request.Owner);
        var value = LanesEntryRules.Serialize(request.Strategy);
        if (LanesEntryRules.Holds(configMap.Data?.TryGetValue(key, out var stored) == true ? stored : null, value))
        {
            return TrafficRoutingResult.Done;
        }

        await PatchKeyAsync(configMap, key, value, cancellationToken).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"wrote {key} to ConfigMap {request.Namespace}/{configMap.Metadata.Name}");
    }

    public async ValueTask<TrafficRoutingResult> FinaliseAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = LanesEntryRules.ConfigMapName(request.Entry.Name);
        var configMap = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(name, request.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var key = LanesEntryRules.KeyFor(request.Owner);
        if (configMap?.Data?.ContainsKey(key) != true)
        {
            return TrafficRoutingResult.Done;
        }

        await PatchKeyAsync(configMap, key, null, cancellationToken).ConfigureAwait(false);
        return TrafficRoutingResult.Pending($"removed {key} from ConfigMap {request.Namespace}/{name}");
    }

    private async Task<(V1ConfigMap? ConfigMap, TrafficRoutingResult? Problem)> ReadAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        var name = LanesEntryRules.ConfigMapName(request.Entry.Name);
        var configMap = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(name, request.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return configMap is not null
            ? (configMap, null)
            : (null, TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryNotFound,
                $"ConfigMap {request.Namespace}/{name} not found ({request.OwnerDescription}, {request.Entry.Field}.name \"{request.Entry.Name}\"): the Lanes gateway {request.Entry.Name} reads its rules from it; create it and mount it at Lanes:Entry:RulesDirectory"));
    }

    // A merge patch of one key: writers of other keys (other TrafficRoutings) never conflict.
    private Task PatchKeyAsync(V1ConfigMap configMap, string key, string? value, CancellationToken cancellationToken) =>
        client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(new JsonObject { ["data"] = new JsonObject { [key] = value } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            configMap.Metadata.Name, configMap.Metadata.NamespaceProperty ?? "default", cancellationToken: cancellationToken);
}
