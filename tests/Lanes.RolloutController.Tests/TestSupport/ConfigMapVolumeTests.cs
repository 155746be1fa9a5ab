using System.Text.Json.Nodes;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>The end-to-end tests rely on this behaving like the kubelet's ConfigMap volume.</summary>
public sealed class ConfigMapVolumeTests
{
    [Fact]
    public void Sync_SwapsTheDataLink_AndKeepsOneLinkPerKey()
    {
        using var volume = new ConfigMapVolume();
        volume.Sync(JsonNode.Parse("""{"data":{"a.json":"1","b.json":"2"}}""")!.AsObject());
        var first = new DirectoryInfo(Path.Combine(volume.Directory, "..data")).LinkTarget;
        Assert.Equal("..data/a.json", new FileInfo(Path.Combine(volume.Directory, "a.json")).LinkTarget);
        Assert.Equal("2", File.ReadAllText(Path.Combine(volume.Directory, "b.json")));

        volume.Sync(JsonNode.Parse("""{"data":{"a.json":"3"}}""")!.AsObject());

        var second = new DirectoryInfo(Path.Combine(volume.Directory, "..data")).LinkTarget;
        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(volume.Directory, first!)));
        Assert.Equal("3", File.ReadAllText(Path.Combine(volume.Directory, "a.json")));
        Assert.False(File.Exists(Path.Combine(volume.Directory, "b.json")));
        Assert.Equal(new[] { "..data", "a.json", second! }.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(volume.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        volume.Sync(null);
        Assert.Equal(new[] { "..data", new DirectoryInfo(Path.Combine(volume.Directory, "..data")).LinkTarget! }.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(volume.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
