using Lanes.RolloutController.Analysis;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Lanes.RolloutController.Tests.Analysis;

/// <summary>The runner on fake time against WireMock answering Prometheus' real <c>/api/v1/query</c> JSON.</summary>
public sealed class AnalysisRunnerTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly CountingTime _time = new();
    private readonly AnalysisRunner _runner;

    public AnalysisRunnerTests() => _runner = new AnalysisRunner(new PrometheusClient(new Factory()), _time, NullLogger<AnalysisRunner>.Instance);

    public void Dispose()
    {
        _runner.Dispose();
        _server.Stop();
    }

    /// <summary>Fake time that counts the timers armed, so a test advances time only once the runner waits.</summary>
    private sealed class CountingTime() : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero))
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _dueTimes = new();
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        /// <summary>How long each timer armed was to wait, in the order armed.</summary>
        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _dueTimes.Enqueue(dueTime);
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private sealed class Factory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    private void Answer(string value) =>
        _server.Given(Request.Create().WithPath("/api/v1/query").UsingGet()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json")
            .WithBody("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"lanes_lane":"gray"},"value":[1764576000.1,""" + "\"" + value + "\"" + "]}]}}"));

    private StartAnalysis Start(Uri address, int count = 3, int failureLimit = 0, int consecutiveErrorLimit = 4, string success = "result[0] < 0.05")
    {
        Assert.True(AnalysisCondition.TryParse(success, out var condition, out var problem), problem);
        var metric = new AnalysisMetric("error-share", Interval, count, failureLimit, 0, consecutiveErrorLimit, success, null, new PrometheusQuery(address.ToString(), "q", TimeSpan.FromSeconds(5)));
        return new StartAnalysis(1, "rev-v2", "lane-vs-base", [new BoundMetric("lane-vs-base", metric, address, "q", condition, null)]);
    }

    /// <summary>Moves fake time one interval at a time until the run is decided, waiting for each measurement.</summary>
    private async Task<AnalysisRunStatus> RunToEndAsync(int maxIntervals)
    {
        var taken = 0;
        for (var i = 0; i < maxIntervals; i++)
        {
            var run = _runner.Get("default", "rollout-a")!;
            if (run.Phase != AnalysisPhases.Running)
            {
                return run;
            }

            // The runner waits on fake time; once it waits, one interval lets it take the next measurement.
            await Eventually.WaitAsync(() => _time.Timers > taken || _runner.Get("default", "rollout-a")!.Phase != AnalysisPhases.Running, "the runner waits for its next measurement");
            if (_runner.Get("default", "rollout-a")!.Phase != AnalysisPhases.Running)
            {
                break;
            }
            _time.Advance(Interval);
            taken++;
            await Eventually.WaitAsync(() => Measurements(_runner.Get("default", "rollout-a")!) >= taken || _runner.Get("default", "rollout-a")!.Phase != AnalysisPhases.Running,
                $"measurement {taken} is recorded", describe: () => ApiJson.Write(_runner.Get("default", "rollout-a")!)!.ToJsonString());
        }

        return await Eventually.WaitAsync(() => _runner.Get("default", "rollout-a"), static r => r.Phase != AnalysisPhases.Running, "the run is decided");
    }

    private static int Measurements(AnalysisRunStatus run) => run.Metrics.Sum(static m => m.Values.Count);

    [Fact]
    public async Task Passes_AfterCountMeasurements_IntervalApart()
    {
        Answer("0.01");
        _runner.Start("default", "rollout-a", Start(new Uri(_server.Url!)));
        var run = await RunToEndAsync(10);
        Assert.Equal(AnalysisPhases.Successful, run.Phase);
        var metric = Assert.Single(run.Metrics);
        Assert.Equal(3, metric.Successful);
        Assert.Equal(["0.01", "0.01", "0.01"], metric.Values);
        Assert.Equal(3, _server.LogEntries.Count());
        Assert.Equal(_time.GetUtcNow(), run.FinishedAt);
    }

    [Fact]
    public async Task TakesNoMeasurementBeforeTheFirstInterval()
    {
        Answer("0.01");
        _runner.Start("default", "rollout-a", Start(new Uri(_server.Url!)));

        // Positive evidence instead of a sleep: the runner's first act is to wait one whole interval. Had it queried
        // first, that query would have been answered before the timer was armed.
        await Eventually.WaitAsync(() => _time.Timers > 0, "the runner waits for its first measurement");
        Assert.Equal(Interval, _time.DueTimes.First());
        Assert.Empty(_server.LogEntries);
        Assert.Equal(AnalysisPhases.Running, _runner.Get("default", "rollout-a")!.Phase);
    }

    [Fact]
    public async Task Forgotten_TheRunIsGone()
    {
        Answer("0.01");
        _runner.Start("default", "rollout-a", Start(new Uri(_server.Url!)));
        await Eventually.WaitAsync(() => _time.Timers > 0, "the runner waits for its first measurement");

        _runner.Forget("default", "rollout-a");

        Assert.Null(_runner.Get("default", "rollout-a"));
    }

    [Fact]
    public async Task Fails_NamingMetricValueAndCondition()
    {
        Answer("0.2");
        _runner.Start("default", "rollout-a", Start(new Uri(_server.Url!)));
        var run = await RunToEndAsync(10);
        Assert.Equal(AnalysisPhases.Failed, run.Phase);
        Assert.Contains("error-share", run.Message, StringComparison.Ordinal);
        Assert.Contains("0.2", run.Message, StringComparison.Ordinal);
        Assert.Contains("result[0] < 0.05", run.Message, StringComparison.Ordinal);
        // failureLimit 0: the first failed measurement decides.
        Assert.Equal(1, run.Metrics[0].Failed);
    }

    [Fact]
    public async Task PrometheusUnreachable_IsInconclusiveAfterTheErrorLimit_NeverAPass()
    {
        // Port 9 (discard) on loopback: connection refused.
        _runner.Start("default", "rollout-a", Start(new Uri("http://127.0.0.1:9/"), consecutiveErrorLimit: 2));
        var run = await RunToEndAsync(10);
        Assert.Equal(AnalysisPhases.Inconclusive, run.Phase);
        var metric = Assert.Single(run.Metrics);
        Assert.Equal(3, metric.Errors);
        Assert.Equal(0, metric.Successful);
        Assert.Contains("consecutiveErrorLimit 2", run.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyResult_IsInconclusive_NeverAPass()
    {
        _server.Given(Request.Create().WithPath("/api/v1/query").UsingGet()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody("""{"status":"success","data":{"resultType":"vector","result":[]}}"""));
        _runner.Start("default", "rollout-a", Start(new Uri(_server.Url!)));
        var run = await RunToEndAsync(10);
        Assert.Equal(AnalysisPhases.Inconclusive, run.Phase);
    }

    [Fact]
    public async Task StartingTheSameStepAgain_KeepsTheRun()
    {
        Answer("0.01");
        var start = Start(new Uri(_server.Url!), count: 1);
        _runner.Start("default", "rollout-a", start);
        var first = _runner.Get("default", "rollout-a")!.StartedAt;
        _time.Advance(TimeSpan.FromSeconds(1));
        _runner.Start("default", "rollout-a", start);
        Assert.Equal(first, _runner.Get("default", "rollout-a")!.StartedAt);
    }
}
