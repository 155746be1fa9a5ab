using System.Globalization;
using System.Net;
using Lanes.Samples.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Lanes.Samples.Tests;

/// <summary>The sample service's faults by lane (<c>Faults:&lt;lane&gt;</c>), on a real loopback host.</summary>
[Collection(ProcessWideMetricsCollection.Name)]
public class FaultInjectionTests
{
    private const int Requests = 50;

    [Fact]
    public async Task ErrorShare_FailsThatShareOfTheLanesRequests_NeverBase_AndPrometheusSeesThem()
    {
        await using var app = await StartAsync("--Faults:gray:ErrorShare=0.2");
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var gray = 0;
        var based = 0;
        for (var i = 0; i < Requests; i++)
        {
            gray += await SendAsync(client, "gray") == HttpStatusCode.InternalServerError ? 1 : 0;
            based += await SendAsync(client, lane: null) == HttpStatusCode.InternalServerError ? 1 : 0;
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "blue"));
        }

        Assert.Equal(Requests / 5, gray);   // counter-based: exactly one in five
        Assert.Equal(0, based);

        var port = new Uri(app.Urls.Single()).Port.ToString(CultureInfo.InvariantCulture);
        var text = await SampleMetricsTests.ScrapeUntilAsync(client, "http_response_status_code=\"500\"");
        var failures = SampleMetricsTests.Samples(text, "http_server_request_duration_seconds_count").Where(s => s.Contains("http_response_status_code=\"500\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(failures);
        Assert.DoesNotContain(failures, s => s.Contains("lanes_lane=\"base\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddedLatency_DelaysTheLanesRequests()
    {
        await using var app = await StartAsync("--Faults:slow:AddedLatency=00:00:00.050");
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var started = TimeProvider.System.GetTimestamp();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "slow"));

        // A lower bound only: the delay is awaited before the request is handled.
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(45));
    }

    [Theory]
    [InlineData("--Faults:gray:ErrorShare=1.5", "Faults:gray:ErrorShare")]
    [InlineData("--Faults:gray:ErrorShare=-0.1", "Faults:gray:ErrorShare")]
    [InlineData("--Faults:gray:AddedLatency=-00:00:01", "Faults:gray:AddedLatency")]
    [InlineData("--Faults:Gray!:ErrorShare=0.1", "Faults:Gray!")]
    public async Task BadFaults_FailStart_NamingTheKey(string setting, string key)
    {
        var app = SampleService.CreateApp(Args(setting));
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static async Task<WebApplication> StartAsync(params string[] settings)
    {
        var app = SampleService.CreateApp(Args(settings));
        await app.StartAsync();
        return app;
    }

    private static string[] Args(params string[] settings) =>
    [
        "--urls", "http://127.0.0.1:0",
        "--contentRoot", Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "service-content-root")).FullName,
        "--Sample:Name=C",
        "--Logging:LogLevel:Default=Error",
        .. settings,
    ];

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string? lane)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/c");
        if (lane is not null)
        {
            request.Headers.Add("x-mse-tag", lane);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
