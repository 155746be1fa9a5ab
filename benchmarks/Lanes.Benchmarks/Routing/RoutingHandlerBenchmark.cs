using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Lanes.Benchmarks.Infrastructure;
using Lanes.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Benchmarks.Routing;

/// <summary>
/// One outbound call by service name, side by side with what a user would pick instead: the same call through
/// Microsoft.Extensions.ServiceDiscovery's own resolving handler (<c>AddServiceDiscovery()</c>: it resolves and rewrites
/// too, round robin over the same three instances), and a call straight to an instance address (the floor). Every
/// client ends in a handler that answers without I/O, so only the pipelines are measured.
/// </summary>
/// <remarks>
/// The lane of a gray call is the ambient lane, entered once before the measured calls (as the inbound middleware does
/// once per request), so a call pays what an outbound call pays: reading it, writing the header and baggage, routing.
/// </remarks>
[MemoryDiagnoser]
public class RoutingHandlerBenchmark
{
    private static readonly Lane Gray = Lane.Parse("gray");

    private readonly Uri _serviceUri = new("http://orders/items/42");
    private readonly Uri _directUri = new("http://127.0.0.1:5001/items/42");
    private ServiceProvider _lanesServices = null!;
    private ServiceProvider _discoveryServices = null!;
    private HttpMessageInvoker _lanes = null!;
    private HttpMessageInvoker _discovery = null!;
    private HttpMessageInvoker _direct = null!;
    private MeterListener? _recording;
    private Activity? _inboundRequest;

    [GlobalSetup]
    public void Setup()
    {
        var lanes = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(Configuration(new()
        {
            ["Lanes:Services:orders:0:Url"] = "http://127.0.0.1:5001",
            ["Lanes:Services:orders:1:Url"] = "http://127.0.0.1:5002",
            ["Lanes:Services:orders:2:Url"] = "http://127.0.0.1:5003",
            ["Lanes:Services:orders:2:Lane"] = "gray",
        }));
        lanes.AddHttpClient("orders").AddTrafficLanes().ConfigurePrimaryHttpMessageHandler(() => new NoIoHandler());
        lanes.AddHttpClient("direct").ConfigurePrimaryHttpMessageHandler(() => new NoIoHandler());
        _lanesServices = lanes.BuildServiceProvider();

        // The application has sent a request before, so HttpClient's duration instrument exists: the lane attribute is
        // then added only while it is recorded (the cases "duration recorded" turn a listener on).
        HttpClientDuration.Create(_lanesServices);
        ExpectDurationRecorded(false);

        // Microsoft.Extensions.ServiceDiscovery alone, its configuration provider listing the same three instances.
        var discovery = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(Configuration(new()
        {
            ["Services:orders:http:0"] = "127.0.0.1:5001",
            ["Services:orders:http:1"] = "127.0.0.1:5002",
            ["Services:orders:http:2"] = "127.0.0.1:5003",
        }));
        discovery.AddServiceDiscovery();
        discovery.AddHttpClient("orders").AddServiceDiscovery().ConfigurePrimaryHttpMessageHandler(() => new NoIoHandler());
        _discoveryServices = discovery.BuildServiceProvider();

        _lanes = new HttpMessageInvoker(_lanesServices.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("orders"), disposeHandler: false);
        _direct = new HttpMessageInvoker(_lanesServices.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("direct"), disposeHandler: false);
        _discovery = new HttpMessageInvoker(_discoveryServices.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("orders"), disposeHandler: false);

        // Resolve once, as a warm service has (a first call waits for its first resolution), and check that each client
        // calls what it should.
        _discovery.SendAsync(new HttpRequestMessage(HttpMethod.Get, _serviceUri), CancellationToken.None).GetAwaiter().GetResult();
        _lanes.SendAsync(new HttpRequestMessage(HttpMethod.Get, _serviceUri), CancellationToken.None).GetAwaiter().GetResult();
        Expect(ServiceDiscovery(), "127.0.0.1");
        Expect(Direct(), "127.0.0.1:5001");
        Expect(BaseCall(), "127.0.0.1:500");
    }

    // The gray case runs in the lane, entered synchronously here so it stays ambient on the thread that runs the calls.
    [GlobalSetup(Targets = [nameof(GrayCall)])]
    public void SetupGray()
    {
        Setup();
        EnterGray();
    }

    // ASP.NET Core's hosting layer starts an Activity for every request whenever logging is on (its default), so a call
    // made while serving a request has one current, and HttpClient's DiagnosticsHandler, below every handler of the
    // client, then writes traceparent into the request. The terminal handler here does that write.
    [GlobalSetup(Targets = [nameof(BaseCallInRequest)])]
    public void SetupInRequest()
    {
        Setup();
        EnterInboundRequest();
    }

    [GlobalSetup(Targets = [nameof(GrayCallInRequest)])]
    public void SetupGrayInRequest()
    {
        Setup();
        EnterGray();
        EnterInboundRequest();
    }

    // A metrics exporter records HttpClient's request duration: the lane attribute is added to every call.
    [GlobalSetup(Targets = [nameof(BaseCallRecorded)])]
    public void SetupRecorded()
    {
        Setup();
        _recording = HttpClientDuration.Record(_lanesServices);
        ExpectDurationRecorded(true);
    }

    [GlobalSetup(Targets = [nameof(GrayCallRecorded)])]
    public void SetupGrayRecorded()
    {
        SetupGray();
        _recording = HttpClientDuration.Record(_lanesServices);
        ExpectDurationRecorded(true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recording?.Dispose();
        _recording = null;
        _inboundRequest?.Stop();
        _inboundRequest = null;
        _lanesServices.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _discoveryServices.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "ME.SD resolving handler")]
    public Task<HttpResponseMessage> ServiceDiscovery() => Send(_discovery, _serviceUri);

    [Benchmark(Description = "direct to the instance")]
    public Task<HttpResponseMessage> Direct() => Send(_direct, _directUri);

    // The floor of writing a lane: the direct call with the lane header and baggage member set by the caller, so .NET's
    // own cost of two headers on a request that had none (parsing each name, the first header entry array) is visible.
    [Benchmark(Description = "direct, lane headers set by the caller")]
    public Task<HttpResponseMessage> DirectWithLaneHeaders()
    {
        // Written out rather than through Send: exactly the direct call plus the two header writes.
        using var request = new HttpRequestMessage(HttpMethod.Get, _directUri);
        request.Headers.TryAddWithoutValidation("x-mse-tag", "gray");
        request.Headers.TryAddWithoutValidation("baggage", "x-mse-tag=gray");
        return _direct.SendAsync(request, CancellationToken.None);
    }

    [Benchmark(Description = "Lanes, base request")]
    public Task<HttpResponseMessage> BaseCall() => Send(_lanes, _serviceUri);

    [Benchmark(Description = "Lanes, gray request")]
    public Task<HttpResponseMessage> GrayCall() => Send(_lanes, _serviceUri);

    // Outside a request, the gray call's first header pays .NET's header entry array (88 B), which the base call never
    // allocates. While serving a request, HttpClient writes traceparent into every call below the handlers, so the base
    // call allocates that array too and the lane's headers add nothing to it. These two show the latter.
    [Benchmark(Description = "Lanes, base request, in a request")]
    public Task<HttpResponseMessage> BaseCallInRequest() => Send(_lanes, _serviceUri);

    [Benchmark(Description = "Lanes, gray request, in a request")]
    public Task<HttpResponseMessage> GrayCallInRequest() => Send(_lanes, _serviceUri);

    [Benchmark(Description = "Lanes, base request, duration recorded")]
    public Task<HttpResponseMessage> BaseCallRecorded() => Send(_lanes, _serviceUri);

    [Benchmark(Description = "Lanes, gray request, duration recorded")]
    public Task<HttpResponseMessage> GrayCallRecorded() => Send(_lanes, _serviceUri);

    private static Task<HttpResponseMessage> Send(HttpMessageInvoker invoker, Uri uri)
    {
        // Like HttpClient: the request is disposed once answered; the terminal handler answers synchronously.
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        return invoker.SendAsync(request, CancellationToken.None);
    }

    private void EnterGray()
    {
        _ = LaneContext.Enter(Gray);
        Expect(GrayCall(), "127.0.0.1:5003");
        if (!LaneContext.Current.Equals(Gray))
        {
            throw new InvalidOperationException("The ambient lane did not stay entered.");
        }
    }

    private void EnterInboundRequest()
    {
        // Started without a listener, as ASP.NET Core starts it when only logging is on; it stays current on this thread.
        _inboundRequest = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        NoIoHandler.Checking = true;
        Expect(BaseCall(), "127.0.0.1:500");
        NoIoHandler.Checking = false;
        if (NoIoHandler.LastTraceParent != _inboundRequest.Id)
        {
            throw new InvalidOperationException("The terminal handler should have written the current Activity's traceparent.");
        }
    }

    private void ExpectDurationRecorded(bool recorded)
    {
        if (_lanesServices.GetRequiredService<HttpClientDurationWatch>().MayRecord != recorded)
        {
            throw new InvalidOperationException($"HttpClient's request duration should {(recorded ? "" : "not ")}be recorded here.");
        }
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static void Expect(Task<HttpResponseMessage> call, string addressPrefix)
    {
        if (!call.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A warm call should complete without waiting: the terminal handler does no I/O.");
        }

        var sentTo = NoIoHandler.LastUri?.Authority ?? "";
        if (!sentTo.StartsWith(addressPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The call went to '{sentTo}', expected '{addressPrefix}...'.");
        }
    }

    private sealed class NoIoHandler : HttpMessageHandler
    {
        private static readonly Task<HttpResponseMessage> Answer = Task.FromResult(new HttpResponseMessage());

        public static volatile Uri? LastUri;
        public static volatile string? LastTraceParent;

        // Set only while a setup checks what was written, so the measured calls pay exactly what HttpClient pays.
        public static volatile bool Checking;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // What SocketsHttpHandler's DiagnosticsHandler does when an Activity is current: the propagator writes
            // traceparent (and tracestate, baggage when the Activity has them) into the request's headers.
            if (Activity.Current is { } activity)
            {
                DistributedContextPropagator.Current.Inject(activity, request, static (carrier, name, value) =>
                    ((HttpRequestMessage)carrier!).Headers.TryAddWithoutValidation(name, value));
                if (Checking)
                {
                    LastTraceParent = request.Headers.NonValidated.TryGetValues("traceparent", out var values) ? values.ToString() : null;
                }
            }

            LastUri = request.RequestUri;
            return Answer;
        }
    }
}
