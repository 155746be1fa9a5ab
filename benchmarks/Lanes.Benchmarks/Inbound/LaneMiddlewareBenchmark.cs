using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Benchmarks.Inbound;

/// <summary>The inbound middleware on a reused HttpContext against an empty pipeline and an empty middleware.</summary>
[MemoryDiagnoser]
public class LaneMiddlewareBenchmark
{
    private static readonly Lane Gray = Lane.Parse("gray");

    private RequestDelegate _empty = null!;
    private RequestDelegate _emptyMiddleware = null!;
    private RequestDelegate _lanes = null!;
    private RequestDelegate _entry = null!;
    private DefaultHttpContext _base = null!;
    private DefaultHttpContext _gray = null!;
    private DefaultHttpContext _xiaoming = null!;
    private Activity? _inboundRequest;

    [GlobalSetup]
    public void Setup()
    {
        _empty = Pipeline(new Dictionary<string, string?>(), lanes: false);
        _emptyMiddleware = Pipeline(new Dictionary<string, string?>(), lanes: false, emptyMiddleware: true);
        _lanes = Pipeline(new Dictionary<string, string?>(), lanes: true);
        _entry = Pipeline(new Dictionary<string, string?>
        {
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "User-Agent",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "xiaoming",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Name"] = "x-mse-tag",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Value"] = "gray",
        }, lanes: true);
        _base = new DefaultHttpContext();
        _gray = new DefaultHttpContext();
        _gray.Request.Headers["x-mse-tag"] = "gray";
        _xiaoming = new DefaultHttpContext();
        _xiaoming.Request.Headers.UserAgent = "xiaoming";
    }

    [Benchmark(Baseline = true)]
    public Task NoMiddleware() => _empty(_base);

    [Benchmark(Description = "empty middleware")]
    public Task EmptyMiddleware() => _emptyMiddleware(_gray);

    // Hosting's Activity of the request, current while "ambient lane alone, in a request" runs.
    [GlobalSetup(Target = nameof(AmbientLaneAloneInRequest))]
    public void SetupInRequest()
    {
        Setup();
        _inboundRequest = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _inboundRequest?.Stop();
        _inboundRequest = null;
    }

    [Benchmark]
    public Task BaseRequest() => _lanes(_base);

    [Benchmark]
    public Task LaneRequest() => _lanes(_gray);

    // The floor of a lane request: making the lane ambient is one AsyncLocal write (a new ExecutionContext) and its undo.
    [Benchmark(Description = "ambient lane alone")]
    public void AmbientLaneAlone() => LaneContext.Enter(Gray).Dispose();

    [Benchmark]
    public Task EntryRuleRequest() => _entry(_xiaoming);

    // In an ASP.NET Core app, hosting starts an Activity for every request whenever logging is on, with no listener.
    // These two pay for one such Activity each, so their difference is what the lane middleware adds to a real request.
    [Benchmark(Description = "empty middleware, in a request")]
    public Task EmptyMiddlewareInRequest()
    {
        using var request = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        return _emptyMiddleware(_gray);
    }

    [Benchmark(Description = "lane request, in a request")]
    public Task LaneRequestInRequest()
    {
        using var request = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        return _lanes(_gray);
    }

    // The floor of a lane request in a request: with the Activity in the execution context too, .NET's AsyncLocal write
    // builds a larger context than without it.
    [Benchmark(Description = "ambient lane alone, in a request")]
    public void AmbientLaneAloneInRequest() => LaneContext.Enter(Gray).Dispose();

    private static RequestDelegate Pipeline(Dictionary<string, string?> configuration, bool lanes, bool emptyMiddleware = false)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .AddLogging();
        services.AddTrafficLanes();
        var app = new ApplicationBuilder(services.BuildServiceProvider());
        if (lanes)
        {
            app.UseTrafficLanes();
        }

        if (emptyMiddleware)
        {
            app.Use(static (context, next) => next(context));
        }

        app.Run(static _ => Task.CompletedTask);
        return app.Build();
    }
}
