using k8s.Models;
using Lanes.Kubernetes.Cluster;

namespace Lanes.Kubernetes.Tests.Cluster;

public sealed class PodLaneTests
{
    [Fact]
    public void ServiceTag_GivesTheLane() =>
        Assert.Equal("gray", Read(new() { ["app"] = "a", ["alicloud.service.tag"] = "gray" }).Lane.Name);

    [Fact]
    public void OpenSergoCanaryLabel_GivesTheLane() =>
        Assert.Equal("blue", Read(new() { ["app"] = "a", ["opensergo.io/canary-blue"] = "blue" }).Lane.Name);

    [Fact]
    public void NoLaneLabel_IsBase()
    {
        var lane = Read(new() { ["app"] = "a" });

        Assert.True(lane.Valid);
        Assert.True(lane.Lane.IsBase);
        Assert.False(lane.Unlabelled);
    }

    [Fact]
    public void NoLabelsAtAll_IsBase_AndNoted()
    {
        var lane = PodLane.Read(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Uid = "u" } });

        Assert.True(lane.Valid);
        Assert.True(lane.Lane.IsBase);
        Assert.True(lane.Unlabelled);
    }

    [Theory]
    [InlineData("Gray")]
    [InlineData("gray lane")]
    [InlineData("a-lane-name-that-is-far-too-long-to-be-a-lane-name-in-kubernetes-labels")]
    public void MalformedLaneValue_MakesThePodUnusable_NeverBase(string value)
    {
        var lane = Read(new() { ["alicloud.service.tag"] = value });

        Assert.False(lane.Valid);
        Assert.Contains(value, lane.InvalidLabel, StringComparison.Ordinal);
    }

    private static PodLane Read(Dictionary<string, string> labels) =>
        PodLane.Read(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Uid = "u", Labels = labels } });
}
