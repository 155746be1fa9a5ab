using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Benchmarks.Routing;

/// <summary>
/// A lane-aware HttpClient call end to end through Lanes' handlers (propagation and routing, endpoints already
/// resolved), ending in a handler that answers without I/O, against the same client without Lanes.
/// </summary>
[MemoryDiagnoser]
public class RoutingHandlerBenchmark
{
    private static readonly Lane Gray = Lane.Parse("gray");
    private ServiceProvider _services = null!;
    private HttpMessageInvoker _lanes = null!;
    private HttpMessageInvoker _plain = null!;
    private readonly Uri _serviceUri = new("http://orders/items/42");
    private readonly Uri _directUri = new("http://127.0.0.1:5001/items/42");

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Services:orders:0:Url"] = "http://127.0.0.1:5001",
            ["Lanes:Services:orders:1:Url"] = "http://127.0.0.1:5002",
            ["Lanes:Services:orders:2:Url"] = "http://127.0.0.1:5003",
            ["Lanes:Services:orders:2:Lane"] = "gray",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddHttpClient("orders").AddLanes().ConfigurePrimaryHttpMessageHandler(() => new NoIoHandler());
        services.AddHttpClient("plain").ConfigurePrimaryHttpMessageHandler(() => new NoIoHandler());
        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpMessageHandlerFactory>();
        _lanes = new HttpMessageInvoker(factory.CreateHandler("orders"), disposeHandler: false);
        _plain = new HttpMessageInvoker(factory.CreateHandler("plain"), disposeHandler: false);
        _ = BaseCall().GetAwaiter().GetResult();   // resolve once, as a warm service has
    }

    [GlobalCleanup]
    public void Cleanup() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task<HttpResponseMessage> WithoutLanes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _directUri);
        return await _plain.SendAsync(request, CancellationToken.None);
    }

    [Benchmark]
    public Task<HttpResponseMessage> BaseCall() => SendAsync();

    [Benchmark]
    public async Task<HttpResponseMessage> LaneCall()
    {
        using var scope = LaneContext.Enter(Gray);
        return await SendAsync();
    }

    private async Task<HttpResponseMessage> SendAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _serviceUri);
        return await _lanes.SendAsync(request, CancellationToken.None);
    }

    private sealed class NoIoHandler : HttpMessageHandler
    {
        private static readonly HttpResponseMessage Response = new();
        private static readonly Task<HttpResponseMessage> Completed = Task.FromResult(Response);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Completed;
    }
}
