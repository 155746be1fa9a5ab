namespace Lanes.Cli.Cluster;

/// <summary>Reads of the client models' label and annotation maps, which may be absent.</summary>
internal static class Labels
{
    public static string? Get(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
