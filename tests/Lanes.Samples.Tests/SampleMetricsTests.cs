using System.Text.RegularExpressions;

namespace Lanes.Samples.Tests;

/// <summary>
/// The samples' Prometheus endpoint on real loopback hosts: request metrics labelled with the lane. OpenTelemetry's
/// exporter listens to its meters process-wide, so each assertion names something only the host under test produced
/// (the gateway's client metric is recognised by the port of the instance it called).
/// </summary>
public sealed class SampleMetricsTests : IClassFixture<SampleChain>
{
    private readonly SampleChain _chain;

    public SampleMetricsTests(SampleChain chain) => _chain = chain;

    [Fact]
    public async Task Gateway_ServesPrometheusText_WithTheLaneOnServerAndClientDuration()
    {
        using (var gray = new HttpRequestMessage(HttpMethod.Get, "/a"))
        {
            gray.Headers.UserAgent.ParseAdd("xiaoming");
            using var response = await _chain.Gateway.SendAsync(gray);
            Assert.Equal(_chain.ExpectedGray, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(_chain.ExpectedBase, await _chain.Gateway.GetStringAsync("/a"));

        var text = await ScrapeUntilAsync(_chain.Gateway, $"server_port=\"{_chain.Ports["Agray"]}\"");
        Assert.Contains(Samples(text, "http_server_request_duration_seconds_count"), s => s.Contains("lanes_lane=\"gray\"", StringComparison.Ordinal) && s.Contains("http_route=", StringComparison.Ordinal));
        Assert.Contains(Samples(text, "http_server_request_duration_seconds_count"), s => s.Contains("lanes_lane=\"base\"", StringComparison.Ordinal));
        // YARP's forwarded call to gray A carries gray; to base A, base.
        Assert.Contains(Samples(text, "http_client_request_duration_seconds_count"), s => s.Contains($"server_port=\"{_chain.Ports["Agray"]}\"", StringComparison.Ordinal) && s.Contains("lanes_lane=\"gray\"", StringComparison.Ordinal));
        Assert.Contains(Samples(text, "http_client_request_duration_seconds_count"), s => s.Contains($"server_port=\"{_chain.Ports["A"]}\"", StringComparison.Ordinal) && s.Contains("lanes_lane=\"base\"", StringComparison.Ordinal));
        Assert.DoesNotContain(Samples(text, "http_client_request_duration_seconds_count"), s => s.Contains($"server_port=\"{_chain.Ports["Agray"]}\"", StringComparison.Ordinal) && !s.Contains("lanes_lane=\"gray\"", StringComparison.Ordinal));
        Assert.Contains("# TYPE lanes_routing_decisions_total counter", text, StringComparison.Ordinal);
    }

    // The lines of one metric (its samples), e.g. http_server_request_duration_seconds_count{...} 3.
    internal static List<string> Samples(string text, string metric) =>
        [.. text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal))];

    internal static async Task<string> ScrapeUntilAsync(HttpClient client, string expected)
    {
        // Measurements are recorded when a response ends; scrape until the expected one is in, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var response = await client.GetAsync("/metrics");
            response.EnsureSuccessStatusCode();
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            var text = await response.Content.ReadAsStringAsync();
            if (text.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(100);
        }
    }
}
