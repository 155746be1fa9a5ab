using System.Text.RegularExpressions;

namespace Lanes.Samples.Tests;

/// <summary>
/// The samples' Prometheus endpoint on real loopback hosts: request metrics labelled with the lane. OpenTelemetry's
/// exporter listens to its meters process-wide, so each assertion names something only the host under test produced
/// (the gateway's client metric is recognised by the port of the instance it called).
/// </summary>
[Collection(ProcessWideMetricsCollection.Name)]
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

    [Fact]
    public async Task ProbesAndScrapes_AreNotCountedAsRequests()
    {
        // Untagged probes and scrapes would count as base requests and dilute base's error share and p99 in a
        // lane-vs-base analysis: /healthz and /metrics opt out of the request metrics.
        for (var i = 0; i < 3; i++)
        {
            (await _chain.Gateway.GetAsync("/healthz")).EnsureSuccessStatusCode();
            (await _chain.Gateway.GetAsync("/metrics")).EnsureSuccessStatusCode();
        }

        // Positive evidence that what came after them was recorded: a request through the chain, seen by C.
        var before = Count(await _chain.Gateway.GetStringAsync("/metrics"), "http_route=\"/c\"");
        Assert.Equal(_chain.ExpectedBase, await _chain.Gateway.GetStringAsync("/a"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text;
        do
        {
            text = await _chain.Gateway.GetStringAsync("/metrics");
        }
        while (Count(text, "http_route=\"/c\"") <= before && DateTime.UtcNow < deadline && await Delay());

        Assert.True(Count(text, "http_route=\"/c\"") > before, "the request to C was not counted");
        Assert.DoesNotContain(Samples(text, "http_server_request_duration_seconds_count"), s => s.Contains("http_route=\"/healthz\"", StringComparison.Ordinal) || s.Contains("http_route=\"/metrics\"", StringComparison.Ordinal));

        static async Task<bool> Delay()
        {
            await Task.Delay(100);
            return true;
        }
    }

    // The sum of http.server.request.duration's counts over the samples that hold the label.
    private static double Count(string text, string label) =>
        Samples(text, "http_server_request_duration_seconds_count").Where(s => s.Contains(label, StringComparison.Ordinal))
            .Sum(static s => double.Parse(s[(s.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

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
