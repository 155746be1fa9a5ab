using System.Text.Json.Nodes;
using k8s;
using Lanes.Cli.Cluster;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>A Rollout read with what its status view needs besides: its Deployment and its shared TrafficRouting.</summary>
internal sealed record RolloutSnapshot(JsonObject Rollout, RolloutSummary Summary)
{
    public string ResourceVersion => JsonPaths.String(Rollout["metadata"]?["resourceVersion"]) ?? "";

    public static async Task<RolloutSnapshot> ReadAsync(RolloutApi api, string name, CancellationToken cancellationToken)
    {
        var rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        return await FromAsync(api, rollout, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<RolloutSnapshot> FromAsync(RolloutApi api, JsonObject rollout, CancellationToken cancellationToken)
    {
        JsonObject? workload = null;
        if (JsonPaths.String(rollout["spec"]?["workloadRef"]?["kind"]) == "Deployment" && JsonPaths.String(rollout["spec"]?["workloadRef"]?["name"]) is { } deployment &&
            await api.TryGetDeploymentAsync(deployment, cancellationToken).ConfigureAwait(false) is { } found)
        {
            workload = JsonNode.Parse(KubernetesJson.Serialize(found)) as JsonObject;
        }

        JsonObject? trafficRouting = null;
        if (JsonPaths.String(rollout["metadata"]?["annotations"]?[KruiseApi.TrafficRoutingAnnotation]) is { Length: > 0 } routing)
        {
            trafficRouting = await api.TryGetTrafficRoutingAsync(routing, cancellationToken).ConfigureAwait(false);
        }

        return new RolloutSnapshot(rollout, RolloutSummary.From(rollout, workload, trafficRouting));
    }
}
