using System.Text.Json.Serialization;

namespace Lanes.Nacos.Client;

/// <summary>The <c>beat</c> parameter of a heartbeat (the server's <c>RsInfo</c>); with it the server re-registers an instance it lost.</summary>
internal sealed class NacosBeatInfo
{
    [JsonPropertyName("ip")]
    public required string Ip { get; init; }

    [JsonPropertyName("port")]
    public int Port { get; init; }

    [JsonPropertyName("serviceName")]
    public required string ServiceName { get; init; }

    [JsonPropertyName("cluster")]
    public required string Cluster { get; init; }

    [JsonPropertyName("weight")]
    public double Weight { get; init; }

    [JsonPropertyName("metadata")]
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    [JsonPropertyName("ephemeral")]
    public bool Ephemeral { get; init; }
}
