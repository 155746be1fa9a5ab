using System.Text.Json.Nodes;

namespace Lanes.Nacos.StandIn;

/// <summary>A registered instance as the stand-in keeps it.</summary>
public sealed record StandInInstance(
    string Ip,
    int Port,
    double Weight,
    bool Healthy,
    bool Enabled,
    bool Ephemeral,
    string ClusterName,
    IReadOnlyDictionary<string, string> Metadata,
    string? ConnectionId)
{
    internal string Key => $"{Ip}#{Port}#{ClusterName}";

    /// <summary>The instance as the server writes it into a ServiceInfo's <c>hosts</c>.</summary>
    public JsonObject ToJson(string groupedService) => new()
    {
        ["instanceId"] = $"{Ip}#{Port}#{ClusterName}#{groupedService}",
        ["ip"] = Ip,
        ["port"] = Port,
        ["weight"] = Weight,
        ["healthy"] = Healthy,
        ["enabled"] = Enabled,
        ["ephemeral"] = Ephemeral,
        ["clusterName"] = ClusterName,
        ["serviceName"] = groupedService,
        ["metadata"] = new JsonObject(Metadata.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value))),
        ["instanceHeartBeatInterval"] = 5000,
        ["instanceHeartBeatTimeOut"] = 15000,
        ["ipDeleteTimeout"] = 30000,
    };

    internal static StandInInstance? FromJson(JsonNode? node, string? connectionId)
    {
        if (node is not JsonObject json || json["ip"]?.GetValue<string>() is not { Length: > 0 } ip || json["port"] is not { } portNode)
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json["metadata"] is JsonObject meta)
        {
            foreach (var (key, value) in meta)
            {
                metadata[key] = value?.ToString() ?? string.Empty;
            }
        }

        var ephemeral = json["ephemeral"]?.GetValue<bool>() ?? true;
        return new StandInInstance(
            ip,
            portNode.GetValue<int>(),
            json["weight"]?.GetValue<double>() ?? 1,
            json["healthy"]?.GetValue<bool>() ?? true,
            json["enabled"]?.GetValue<bool>() ?? true,
            ephemeral,
            json["clusterName"]?.GetValue<string>() is { Length: > 0 } cluster ? cluster : "DEFAULT",
            metadata,
            ephemeral ? connectionId : null);
    }
}
