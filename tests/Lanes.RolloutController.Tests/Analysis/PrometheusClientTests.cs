using Lanes.RolloutController.Analysis;
using Lanes.RolloutController.Api;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Lanes.RolloutController.Tests.Analysis;

/// <summary>The Prometheus client against WireMock answering the HTTP API's real JSON shapes.</summary>
public sealed class PrometheusClientTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();

    public void Dispose() => _server.Stop();

    private sealed class Factory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    private async Task<Measurement> MeasureAsync(int status, string body, string condition = "result[0] < 0.05", int delayMs = 0)
    {
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);
        if (delayMs > 0)
        {
            response = response.WithDelay(delayMs);
        }

        _server.Given(Request.Create().WithPath("/api/v1/query").WithParam("query", "q{a=\"b\"}").UsingGet()).RespondWith(response);
        var client = new PrometheusClient(new Factory());
        var result = await client.QueryAsync(new Uri(_server.Url!), "q{a=\"b\"}", TimeSpan.FromMilliseconds(delayMs > 0 ? 200 : 5000), CancellationToken.None);
        Assert.True(AnalysisCondition.TryParse(condition, out var parsed, out _));
        var metric = new BoundMetric("t", new AnalysisMetric("m", TimeSpan.Zero, 1, 0, 0, 4, condition, null, new PrometheusQuery("", "", TimeSpan.Zero)), new Uri(_server.Url!), "q", parsed, null);
        return MeasurementEvaluator.Evaluate(metric, result);
    }

    [Theory]
    [InlineData(200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"lanes_lane":"gray"},"value":[1700000000.1,"0.01"]}]}}""", "Successful")]
    [InlineData(200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.2"]}]}}""", "Failed")]
    [InlineData(200, """{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"0.01"]}}""", "Successful")]
    [InlineData(200, """{"status":"success","data":{"resultType":"vector","result":[]}}""", "Inconclusive")]
    [InlineData(200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"NaN"]}]}}""", "Inconclusive")]
    [InlineData(400, """{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}""", "Error")]
    [InlineData(503, """{"status":"error","errorType":"unavailable","error":"not ready"}""", "Error")]
    [InlineData(200, """{"status":"success","data":{"resultType":"matrix","result":[]}}""", "Error")]
    [InlineData(200, """<html>proxy</html>""", "Error")]
    public async Task Answers_AreJudgedNeverPassingWithoutAValue(int status, string body, string phase)
    {
        var measurement = await MeasureAsync(status, body);
        Assert.True(phase == measurement.Phase, measurement.Message);
    }

    [Fact]
    public async Task ErrorBody_IsNamedInTheMessage()
    {
        var measurement = await MeasureAsync(400, """{"status":"error","errorType":"bad_data","error":"parse error"}""");
        Assert.Contains("400 bad_data: parse error", measurement.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_IsAnError()
    {
        var measurement = await MeasureAsync(200, """{"status":"success","data":{"resultType":"scalar","result":[1,"0"]}}""", delayMs: 2000);
        Assert.Equal(AnalysisPhases.Error, measurement.Phase);
        Assert.Contains("did not answer within", measurement.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_IsAnError()
    {
        var result = await new PrometheusClient(new Factory()).QueryAsync(new Uri("http://127.0.0.1:9/"), "up", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Contains("unreachable", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Values);
    }
}
