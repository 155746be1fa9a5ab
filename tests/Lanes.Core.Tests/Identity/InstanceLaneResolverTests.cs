using Lanes.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lanes.Tests.Identity;

public sealed class InstanceLaneResolverTests : IDisposable
{
    private readonly string _labels = Path.Combine(Path.GetTempPath(), $"lanes-labels-{Guid.NewGuid():N}");

    [Fact]
    public void ConfiguredLane_Wins()
    {
        File.WriteAllText(_labels, "alicloud.service.tag=\"blue\"\n");

        var lane = Resolve(new LanesOptions { Lane = "gray", PodLabelsPath = _labels });

        Assert.Equal("gray", lane.Lane.Name);
        Assert.Contains("Lanes:Lane", lane.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void PodLabels_GiveTheLane_WhenNotConfigured()
    {
        File.WriteAllText(_labels, "app=\"spring-cloud-c\"\nopensergo.io/canary-gray=\"gray\"\n");

        var lane = Resolve(new LanesOptions { PodLabelsPath = _labels });

        Assert.Equal("gray", lane.Lane.Name);
        Assert.Contains("opensergo.io/canary-gray", lane.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void NoLaneAnywhere_IsBase()
    {
        Assert.True(Resolve(new LanesOptions { PodLabelsPath = _labels }).Lane.IsBase);

        File.WriteAllText(_labels, "app=\"spring-cloud-b\"\nopensergo.io/canary=\"\"\n");
        Assert.True(Resolve(new LanesOptions { PodLabelsPath = _labels }).Lane.IsBase);
    }

    [Fact]
    public void InvalidLaneLabel_StopsStartup_NamingLabelAndFile()
    {
        File.WriteAllText(_labels, "alicloud.service.tag=\"Gray Canary\"\n");

        var error = Assert.Throws<InvalidOperationException>(() => Resolve(new LanesOptions { PodLabelsPath = _labels }));

        Assert.Contains("alicloud.service.tag", error.Message, StringComparison.Ordinal);
        Assert.Contains(_labels, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_labels);

    private static InstanceLane Resolve(LanesOptions options) => InstanceLaneResolver.Resolve(Options.Create(options), NullLogger.Instance);
}
