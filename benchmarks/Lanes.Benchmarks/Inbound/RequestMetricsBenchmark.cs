using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.Benchmarks.Inbound;

/// <summary>
/// An inbound request through ASP.NET Core's own hosting layer (the code that records <c>http.server.request.duration</c>,
/// with a <see cref="MeterListener"/> enabled on it) and <c>UseTrafficLanes()</c>, with the lane attribute (enriched)
/// and without it (plain: a first middleware hides <see cref="IHttpMetricsTagsFeature"/> from the lane middleware, so the
/// metric is recorded exactly as without Lanes' enrichment). Each request reuses its host context, as Kestrel does per
/// connection, so what is measured is the steady state of a connection's requests. No socket: the server is a stand-in
/// that hands the hosting layer's application to the benchmark.
/// </summary>
[MemoryDiagnoser]
public class RequestMetricsBenchmark
{
    private static readonly MeterListener s_listener = Listen();
    private static long s_measurements;
    private static long s_withLane;

    private Host _plain = null!;
    private Host _enriched = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ = s_listener;
        _plain = Host.Start(hideMetricsTags: true);
        _enriched = Host.Start(hideMetricsTags: false);

        // The setup proves the comparison: both record the metric, only the enriched one with the lane. (In process,
        // every case runs this setup again in the same process: count from here.)
        var measurements = Interlocked.Read(ref s_measurements);
        var withLane = Interlocked.Read(ref s_withLane);
        _plain.Send(gray: true).GetAwaiter().GetResult();
        Check(measurements + 1, withLane);
        _enriched.Send(gray: true).GetAwaiter().GetResult();
        _enriched.Send(gray: false).GetAwaiter().GetResult();
        Check(measurements + 3, withLane + 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _enriched.Dispose();
    }

    [Benchmark(Baseline = true, Description = "plain metric, base request")]
    public Task PlainBase() => _plain.Send(gray: false);

    [Benchmark(Description = "lane attribute, base request")]
    public Task EnrichedBase() => _enriched.Send(gray: false);

    [Benchmark(Description = "plain metric, gray request")]
    public Task PlainGray() => _plain.Send(gray: true);

    [Benchmark(Description = "lane attribute, gray request")]
    public Task EnrichedGray() => _enriched.Send(gray: true);

    private static void Check(long measurements, long withLane)
    {
        if (Interlocked.Read(ref s_measurements) != measurements || Interlocked.Read(ref s_withLane) != withLane)
        {
            throw new InvalidOperationException($"Expected {measurements} measurements of http.server.request.duration, {withLane} with {LanesDiagnostics.LaneTag}; got {Interlocked.Read(ref s_measurements)} and {Interlocked.Read(ref s_withLane)}.");
        }
    }

    private static MeterListener Listen()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>(static (_, _, tags, _) =>
        {
            Interlocked.Increment(ref s_measurements);
            foreach (var tag in tags)
            {
                if (tag.Key == LanesDiagnostics.LaneTag)
                {
                    Interlocked.Increment(ref s_withLane);
                }
            }
        });
        listener.Start();
        return listener;
    }

    private sealed class Host : IDisposable
    {
        private readonly WebApplication _app;
        private readonly ApplicationServer _server;

        private Host(WebApplication app, ApplicationServer server)
        {
            _app = app;
            _server = server;
        }

        public static Host Start(bool hideMetricsTags)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var server = new ApplicationServer();
            builder.Services.AddSingleton<IServer>(server);
            builder.Services.AddTrafficLanes();
            var app = builder.Build();
            if (hideMetricsTags)
            {
                app.Use(static (context, next) =>
                {
                    var tags = context.Features.Get<IHttpMetricsTagsFeature>();
                    context.Features.Set<IHttpMetricsTagsFeature>(null);
                    var pending = next(context);
                    context.Features.Set(tags);
                    return pending;
                });
            }
            else
            {
                // The same feature traffic as the plain pipeline, the feature left in place.
                app.Use(static (context, next) =>
                {
                    var tags = context.Features.Get<IHttpMetricsTagsFeature>();
                    context.Features.Set(tags);
                    var pending = next(context);
                    context.Features.Set(tags);
                    return pending;
                });
            }

            app.UseTrafficLanes();
            app.Run(static _ => Task.CompletedTask);
            app.StartAsync().GetAwaiter().GetResult();
            return new Host(app, server);
        }

        public Task Send(bool gray) => _server.Requests!.Send(gray);

        public void Dispose()
        {
            _app.StopAsync().GetAwaiter().GetResult();
            ((IDisposable)_app).Dispose();
        }
    }

    private interface IRequests
    {
        Task Send(bool gray);
    }

    // Stands in for Kestrel: keeps the hosting layer's application and calls it as Kestrel does for each request.
    private sealed class ApplicationServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public IRequests? Requests { get; private set; }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            Requests = new Requests<TContext>(application);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private sealed class Requests<TContext>(IHttpApplication<TContext> application) : IRequests
        where TContext : notnull
    {
        private readonly ConnectionFeatures<TContext> _base = new(lane: null);
        private readonly ConnectionFeatures<TContext> _gray = new(lane: "gray");

        public Task Send(bool gray)
        {
            var features = gray ? _gray : _base;
            var context = application.CreateContext(features);
            var pending = application.ProcessRequestAsync(context);
            if (!pending.IsCompletedSuccessfully)
            {
                return AwaitAsync(context, pending);
            }

            application.DisposeContext(context, null);
            return Task.CompletedTask;
        }

        private async Task AwaitAsync(TContext context, Task pending)
        {
            await pending;
            application.DisposeContext(context, null);
        }
    }

    // One connection's features, reused by every request on it; the host context too (IHostContextContainer), as in Kestrel.
    private sealed class ConnectionFeatures<TContext> : FeatureCollection, IHostContextContainer<TContext>
        where TContext : notnull
    {
        public ConnectionFeatures(string? lane)
        {
            var request = new HttpRequestFeature { Method = "GET", Scheme = "http", Path = "/items/42", Protocol = "HTTP/1.1" };
            request.Headers.Host = "127.0.0.1";
            if (lane is not null)
            {
                request.Headers["x-mse-tag"] = lane;
            }

            Set<IHttpRequestFeature>(request);
            Set<IHttpResponseFeature>(new HttpResponseFeature());
            Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        }

        public TContext? HostContext { get; set; }
    }
}
