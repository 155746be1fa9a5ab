using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.Identity;

namespace Lanes.Tests.Identity;

public class PodLabelsTests
{
    [Fact]
    public void Parse_ReadsDownwardApiFormat()
    {
        const string content = """
            app="spring-cloud-a"
            alicloud.service.tag="gray"
            opensergo.io/canary-gray="gray"
            pod-template-hash="5d8f7c"
            note="say \"hi\"\\n"
            """;

        var labels = PodLabels.Parse(content, out var malformed);

        Assert.Equal(0, malformed);
        Assert.Equal("gray", labels["alicloud.service.tag"]);
        Assert.Equal("say \"hi\"\\n", labels["note"]);
        Assert.Equal(5, labels.Count);
    }

    [Fact]
    public void Parse_SkipsAndCountsMalformedLines()
    {
        var labels = PodLabels.Parse("good=\"1\"\nno-equals\n=\"x\"\nunquoted=2\nbad-escape=\"\\q\"\n", out var malformed);

        Assert.Equal(4, malformed);
        Assert.Equal("1", Assert.Single(labels).Value);
    }

    [Fact]
    public void FindLane_PrefersServiceTag_ThenCanaryLabel()
    {
        Assert.Equal(("gray", "alicloud.service.tag"), PodLabels.FindLane(new Dictionary<string, string> { ["alicloud.service.tag"] = "gray", ["opensergo.io/canary-blue"] = "blue" }));
        Assert.Equal(("blue", "opensergo.io/canary-blue"), PodLabels.FindLane(new Dictionary<string, string> { ["opensergo.io/canary-blue"] = "blue" }));
        Assert.Null(PodLabels.FindLane(new Dictionary<string, string> { ["opensergo.io/canary"] = string.Empty, ["app"] = "a" }));
    }

    [Property(MaxTest = 500)]
    public Property Parse_NeverThrows(NonNull<string> content)
    {
        var labels = PodLabels.Parse(content.Get, out var malformed);
        return (malformed >= 0 && labels.Count <= content.Get.Length).ToProperty();
    }
}
