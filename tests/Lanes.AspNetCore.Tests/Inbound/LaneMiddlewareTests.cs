using System.Diagnostics;
using Lanes.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.AspNetCore.Tests.Inbound;

public sealed class LaneMiddlewareTests : IAsyncLifetime
{
    private const string HostingSource = "Lanes.Tests.Hosting";
    private static readonly ActivitySource Hosting = new(HostingSource);
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private ActivityListener _listener = null!;
    private readonly List<string?> _activityLanes = [];
    private readonly List<string?> _unrecordedActivityLanes = [];

    public async Task InitializeAsync()
    {
        // A service behind the entry: it trusts the lane its callers send.
        var builder = LoopbackApp.Builder();
        builder.Services.AddTrafficLanes();
        _app = builder.Build();
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == HostingSource,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _app.Use(async (context, next) =>
        {
            // An activity per request: from an ActivitySource someone listens to, as hosting's when tracing is on, or,
            // with "unrecorded", one nobody listens to, as hosting starts whenever logging is on.
            var recorded = !context.Request.Headers.ContainsKey("unrecorded");
            using var activity = recorded ? Hosting.StartActivity("request")! : new Activity("request").Start();
            await next(context);
            var lanes = recorded ? _activityLanes : _unrecordedActivityLanes;
            lock (lanes)
            {
                lanes.Add(activity.GetTagItem(LanesDiagnostics.LaneTag) as string);
            }
        });
        _app.UseTrafficLanes();
        _app.Run(async context =>
        {
            await Task.Yield();
            await context.Response.WriteAsync($"{LaneContext.Current}|{context.Request.Headers["x-mse-tag"]}");
        });
        (_app, _client) = await LoopbackApp.StartAsync(_app);
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task LaneHeader_BecomesAmbientLane_AndTagsTheActivity()
    {
        Assert.Equal("gray|gray", await GetAsync(("x-mse-tag", "gray")));
        Assert.Equal("gray", _activityLanes.Last());
    }

    [Fact]
    public async Task LaneHeader_LeavesAnActivityNobodyRecordsUntagged()
    {
        Assert.Equal("gray|gray", await GetAsync(("x-mse-tag", "gray"), ("unrecorded", "1")));
        Assert.Null(Assert.Single(_unrecordedActivityLanes));
    }

    [Fact]
    public async Task NoLane_IsBase()
    {
        Assert.Equal("base|", await GetAsync());
        Assert.Null(_activityLanes.Last());
    }

    [Fact]
    public async Task BaggageMember_IsReadWhenHeaderIsAbsent()
    {
        Assert.Equal("blue|", await GetAsync(("baggage", "userId=7,x-mse-tag=blue")));
    }

    [Theory]
    [InlineData("Gray", "invalid")]
    [InlineData("gray blue", "invalid")]
    [InlineData("x", "too_long")]
    public async Task MalformedLane_IsBaseAndCounted_NeverAnError(string value, string reason)
    {
        using var collector = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.carrier.rejected");
        var header = reason == "too_long" ? new string('a', 8193) : value;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("x-mse-tag", header);
        using var response = await _client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("base|", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        Assert.Equal(reason, measurement.Tags["reason"]);
        Assert.Equal("http", measurement.Tags["carrier"]);
    }

    [Fact]
    public async Task OversizedBaggage_IsBaseAndCounted()
    {
        using var collector = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.carrier.rejected");
        var baggage = "x-mse-tag=gray," + string.Join(',', Enumerable.Range(0, 900).Select(i => $"k{i}=v{i}"));

        Assert.Equal("base|", await GetAsync(("baggage", baggage)));
        Assert.Equal("too_long", Assert.Single(collector.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Theory]
    [InlineData(true)]    // two header lines, as a raw client sends them
    [InlineData(false)]   // one line "gray, blue", as HttpClient and proxies merge them
    public async Task ConflictingLaneHeaders_AreBase_AndCountedAsConflicting(bool separateLines)
    {
        using var collector = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.carrier.rejected");
        string answer;
        if (separateLines)
        {
            var uri = new Uri(_app.Urls.Single());
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            await using var stream = tcp.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: {uri.Authority}\r\nx-mse-tag: gray\r\nx-mse-tag: blue\r\n\r\n"));
            using var reader = new StreamReader(stream);
            var response = await reader.ReadToEndAsync();
            answer = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        }
        else
        {
            answer = await GetAsync(("x-mse-tag", "gray, blue"));
        }

        Assert.StartsWith("base|", answer, StringComparison.Ordinal);
        Assert.Equal("conflicting", Assert.Single(collector.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task SequentialRequestsOnOneConnection_DoNotInheritEachOthersLane()
    {
        for (var i = 0; i < 20; i++)
        {
            var lane = i % 2 == 0 ? "gray" : null;
            var answer = lane is null ? await GetAsync() : await GetAsync(("x-mse-tag", lane));
            Assert.Equal(lane is null ? "base|" : "gray|gray", answer);
        }
    }

    [Fact]
    public async Task ParallelRequests_EachKeepTheirOwnLane()
    {
        var lanes = Enumerable.Range(0, 200).Select(i => i % 3 == 0 ? "base" : $"lane-{i % 7}").ToArray();

        var answers = await Task.WhenAll(lanes.Select(lane => lane == "base" ? GetAsync() : GetAsync(("x-mse-tag", lane))));

        for (var i = 0; i < lanes.Length; i++)
        {
            Assert.StartsWith(lanes[i] + "|", answers[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfiguredHeaderName_IsTheOneRead()
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?> { ["Lanes:Propagation:HeaderName"] = "x-lane" });
        builder.Services.AddTrafficLanes();
        await using var app = builder.Build();
        app.UseTrafficLanes();
        app.Run(context => context.Response.WriteAsync(LaneContext.Current.ToString()));
        var (_, client) = await LoopbackApp.StartAsync(app);
        using var _ = client;

        using var custom = new HttpRequestMessage(HttpMethod.Get, "/");
        custom.Headers.Add("x-lane", "gray");
        using var standard = new HttpRequestMessage(HttpMethod.Get, "/");
        standard.Headers.Add("x-mse-tag", "gray");

        Assert.Equal("gray", await (await client.SendAsync(custom)).Content.ReadAsStringAsync());
        Assert.Equal("base", await (await client.SendAsync(standard)).Content.ReadAsStringAsync());
    }

    private async Task<string> GetAsync(params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
