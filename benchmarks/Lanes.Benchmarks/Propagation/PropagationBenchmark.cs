using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Lanes.Benchmarks.Infrastructure;
using Lanes.Extensibility;
using Lanes.Propagation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Benchmarks.Propagation;

/// <summary>
/// Writing the lane on an outbound request (<see cref="LanePropagationHandler"/>) against a handler that does nothing,
/// each in front of a terminal handler without I/O. The lane is ambient, entered once before the measured calls. HttpClient's
/// request duration exists and is not recorded, except in the "duration recorded" case, which registers the lane with
/// HttpClient's metrics enrichment (<c>HttpMetricsEnrichmentContext.AddCallback</c>) too.
/// </summary>
[MemoryDiagnoser]
public class PropagationBenchmark
{
    private static readonly Uri Address = new("http://127.0.0.1:5001/items/42");
    private HttpMessageInvoker _noOp = null!;
    private HttpMessageInvoker _lanes = null!;
    private ServiceProvider _services = null!;
    private MeterListener? _recording;

    [GlobalSetup]
    public void Setup()
    {
        _noOp = new HttpMessageInvoker(new NoOpHandler { InnerHandler = new NoIoHandler() });
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddHttpClient();
        services.AddTrafficLanesCore();
        _services = services.BuildServiceProvider();

        // The application has sent a request before, so HttpClient's duration instrument exists: the lane attribute is
        // then added only while it is recorded (the case "duration recorded" turns a listener on).
        HttpClientDuration.Create(_services);
        _lanes = new HttpMessageInvoker(new LanePropagationHandler(Options.Create(new LanesOptions()), _services.GetRequiredService<LanesMetrics>()) { InnerHandler = new NoIoHandler() });
    }

    [GlobalSetup(Target = nameof(GrayRequestRecorded))]
    public void SetupGrayRecorded()
    {
        SetupGray();
        _recording = HttpClientDuration.Record(_services);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recording?.Dispose();
        _services.Dispose();
    }

    [GlobalSetup(Targets = [nameof(GrayRequest), nameof(GrayRequestWithBaggage)])]
    public void SetupGray()
    {
        Setup();
        _ = LaneContext.Enter(Lane.Parse("gray"));
    }

    [Benchmark(Baseline = true, Description = "no-op handler")]
    public Task<HttpResponseMessage> NoOp() => Send(_noOp, baggage: false);

    [Benchmark(Description = "Lanes, base request")]
    public Task<HttpResponseMessage> BaseRequest() => Send(_lanes, baggage: false);

    [Benchmark(Description = "Lanes, gray request")]
    public Task<HttpResponseMessage> GrayRequest() => Send(_lanes, baggage: false);

    [Benchmark(Description = "Lanes, gray request, duration recorded")]
    public Task<HttpResponseMessage> GrayRequestRecorded() => Send(_lanes, baggage: false);

    [Benchmark(Description = "Lanes, gray request with caller's baggage")]
    public Task<HttpResponseMessage> GrayRequestWithBaggage() => Send(_lanes, baggage: true);

    private static Task<HttpResponseMessage> Send(HttpMessageInvoker invoker, bool baggage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Address);
        if (baggage)
        {
            request.Headers.TryAddWithoutValidation("baggage", "userId=alice,tenant=t1");
        }

        return invoker.SendAsync(request, CancellationToken.None);
    }

    private sealed class NoOpHandler : DelegatingHandler;

    private sealed class NoIoHandler : HttpMessageHandler
    {
        private static readonly Task<HttpResponseMessage> Answer = Task.FromResult(new HttpResponseMessage());

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Answer;
    }
}
