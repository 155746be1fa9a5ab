using System.Text.Json.Nodes;
using Lanes.RolloutController.Analysis;

namespace Lanes.RolloutController.Tests.Analysis;

public sealed class AnalysisTemplateReaderTests
{
    internal static JsonNode Template(string metric, string args = "[]") => JsonNode.Parse(
        """{"apiVersion":"lanes.dev/v1alpha1","kind":"AnalysisTemplate","metadata":{"name":"t"},"spec":{"args":""" + args + ""","metrics":[""" + metric + "]}}")!;

    private const string Good = """{"name":"errors","interval":"10s","count":3,"successCondition":"result[0] < {{args.max}}","provider":{"prometheus":{"address":"http://127.0.0.1:9090","query":"sum(rate(x{lanes_lane=\"{{args.lane}}\"}[1m]))"}}}""";

    [Fact]
    public void Reads_AndBindsArgs()
    {
        Assert.True(AnalysisTemplateReader.TryRead(Template(Good, """[{"name":"lane"},{"name":"max","value":"0.05"}]"""), out var template, out var error), error);
        var metric = Assert.Single(template!.Metrics);
        Assert.Equal(TimeSpan.FromSeconds(10), metric.Interval);
        Assert.Equal(3, metric.Count);
        Assert.True(AnalysisTemplateReader.TryBind(template, new Dictionary<string, string> { ["lane"] = "gray" }, out var bound, out error), error);
        Assert.Equal("sum(rate(x{lanes_lane=\"gray\"}[1m]))", bound![0].Query);
        Assert.Equal("result[0] < 0.05", bound[0].SuccessCondition!.Text);
    }

    [Fact]
    public void MissingArg_IsNamed()
    {
        Assert.True(AnalysisTemplateReader.TryRead(Template(Good, """[{"name":"lane"},{"name":"max","value":"0.05"}]"""), out var template, out _));
        Assert.False(AnalysisTemplateReader.TryBind(template!, new Dictionary<string, string>(), out _, out var error));
        Assert.Contains("argument lane has no value", error, StringComparison.Ordinal);
        Assert.Contains("spec.metrics[0].provider.prometheus.query", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"apiVersion":"lanes.dev/v1alpha1","kind":"AnalysisTemplate","metadata":{"name":"t"},"spec":{"metrics":[]}}""", "spec.metrics: at least one metric is required")]
    [InlineData("""{"metadata":{"name":"t"}}""", "spec: is required")]
    public void RejectsDocuments(string json, string expected)
    {
        Assert.False(AnalysisTemplateReader.TryRead(JsonNode.Parse(json), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("""{"name":"m","successCondition":"result <","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0].successCondition: expected a number, result or result[i] at position 8")]
    [InlineData("""{"name":"m","failureCondition":"result ~ 1","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0].failureCondition: expected a comparison (<, <=, >, >=, ==, !=) at position 7")]
    [InlineData("""{"name":"m","successCondition":"result < 1","provider":{}}""", "spec.metrics[0].provider.prometheus: is required (the only provider)")]
    [InlineData("""{"name":"m","successCondition":"result < 1","provider":{"prometheus":{"address":"ftp://p","query":"q"}}}""", "spec.metrics[0].provider.prometheus.address: 'ftp://p' is not an http(s) URL")]
    [InlineData("""{"name":"m","count":0,"successCondition":"result < 1","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0].count: must be between 1 and 100, not 0")]
    [InlineData("""{"name":"m","count":3,"successCondition":"result < 1","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0].interval: is required when count is more than 1")]
    [InlineData("""{"name":"m","interval":"soon","successCondition":"result < 1","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0].interval: 'soon' is not a duration between 1ms and 1h (like 30s, 1m, 500ms)")]
    [InlineData("""{"name":"m","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", "spec.metrics[0]: successCondition or failureCondition is required")]
    [InlineData("""{"name":"m","successCondition":"result < 1","provider":{"prometheus":{"address":"http://p","query":"{{args.nope}}"}}}""", "spec.metrics[0].provider.prometheus.query: uses {{args.nope}}, which spec.args does not declare")]
    [InlineData("""{"name":"m","count":"many","successCondition":"result < 1","provider":{"prometheus":{"address":"http://p","query":"q"}}}""", null)]
    public void RejectsMetrics_NamingTheField(string metric, string? expected)
    {
        Assert.False(AnalysisTemplateReader.TryRead(Template(metric), out var template, out var error));
        Assert.Null(template);
        if (expected is null)
        {
            Assert.StartsWith("spec", error, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, error);
        }
    }

    [Fact]
    public void ShippedTemplate_ReadsAndBinds()
    {
        var yaml = File.ReadAllText(Path.Combine(TestSupport.Kubectl.RepositoryRoot, "deploy", "analysis", "lane-vs-base.yaml"));
        var document = JsonNode.Parse(new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build().Serialize(new YamlDotNet.Serialization.DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object>(yaml)!));
        Assert.True(AnalysisTemplateReader.TryRead(document, out var template, out var error), error);
        Assert.Equal(["error-share-increase", "p99-latency-ratio"], template!.Metrics.Select(static m => m.Name));
        Assert.True(AnalysisTemplateReader.TryBind(template, new Dictionary<string, string> { ["lane"] = "gray" }, out var bound, out error), error);
        Assert.Contains("lanes_lane=\"gray\"", bound![0].Query, StringComparison.Ordinal);
        Assert.Equal("result[0] <= 0.02", bound[0].SuccessCondition!.Text);
    }
}
