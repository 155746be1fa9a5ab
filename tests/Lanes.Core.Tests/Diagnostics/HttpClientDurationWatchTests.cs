using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.Tests.Diagnostics;

/// <summary>
/// The lane attribute is added to HttpClient's request duration unless HttpClient's instrument exists and nothing
/// enables it. The instrument is created the way an application creates it: by a factory client sending a request
/// (to a closed loopback port: the handler is built before the connection fails).
/// </summary>
public sealed class HttpClientDurationWatchTests : IDisposable
{
    private readonly ServiceProvider _services;

    public HttpClientDurationWatchTests()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHttpClient("real");
        services.AddTrafficLanesCore();
        _services = services.BuildServiceProvider();
    }

    private HttpClientDurationWatch Watch => _services.GetRequiredService<HttpClientDurationWatch>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void BeforeAnyClientSent_ItMayBeRecorded()
    {
        Assert.True(Watch.MayRecord);
    }

    [Fact]
    public async Task OnceHttpClientCreatedIt_AndNothingListens_ItIsNotRecorded()
    {
        var watch = Watch;
        await SendOnceAsync();

        Assert.False(watch.MayRecord);
    }

    [Fact]
    public async Task AListenerStartingLater_IsSeenAtOnce_AndItsEndToo()
    {
        var watch = Watch;
        await SendOnceAsync();

        using (new MetricCollector<double>(_services.GetRequiredService<IMeterFactory>(), "System.Net.Http", "http.client.request.duration"))
        {
            Assert.True(watch.MayRecord);
        }

        Assert.False(watch.MayRecord);
    }

    [Fact]
    public async Task AnotherApplicationsListener_DoesNotCount()
    {
        var watch = Watch;
        await SendOnceAsync();
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();

        using (new MetricCollector<double>(other.GetRequiredService<IMeterFactory>(), "System.Net.Http", "http.client.request.duration"))
        {
            Assert.False(watch.MayRecord);
        }
    }

    [Fact]
    public async Task HandlersWithoutTheApplicationsMeterFactory_DoNotDecideForItsClients()
    {
        var watch = Watch;
        using (var unmetered = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => unmetered.GetAsync("http://127.0.0.1:1/"));
        }

        Assert.True(watch.MayRecord);   // the application's own clients have not created theirs yet
    }

    private async Task SendOnceAsync()
    {
        var client = _services.GetRequiredService<IHttpClientFactory>().CreateClient("real");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://127.0.0.1:1/"));
    }
}
