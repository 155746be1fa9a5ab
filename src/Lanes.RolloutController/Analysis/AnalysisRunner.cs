using System.Collections.Concurrent;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Analysis;

/// <summary>
/// Runs analyses in the background, one per Rollout: each metric measures <c>count</c> times, one <c>interval</c>
/// apart (the first after one interval, so the window has traffic of the step), on <see cref="TimeProvider"/> time.
/// The decider only reads finished results (<see cref="Get"/>) and records them in the Rollout's status; a run lost
/// with a restart of the controller is simply started again.
/// </summary>
internal sealed partial class AnalysisRunner(PrometheusClient prometheus, TimeProvider timeProvider, ILogger<AnalysisRunner> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Starts the run the action describes, replacing this Rollout's run for another step or revision.</summary>
    public void Start(string ns, string name, StartAnalysis start)
    {
        var key = ns + "/" + name;
        if (_runs.TryGetValue(key, out var existing) && existing.Matches(start))
        {
            return;
        }

        var run = new Run(start, timeProvider.GetUtcNow(), CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        if (existing is not null)
        {
            existing.Cancel();
        }

        _runs[key] = run;
        Log.Started(logger, ns, name, start.Templates, start.Step);

        // The run is background work: it must not carry the reconcile pass's activity or any ambient state.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => RunAsync(run, ns, name));
        }
    }

    /// <summary>A copy of this Rollout's run, if any.</summary>
    public AnalysisRunStatus? Get(string ns, string name) => _runs.TryGetValue(ns + "/" + name, out var run) ? run.Snapshot() : null;

    /// <summary>Stops and forgets this Rollout's run (the Rollout is gone).</summary>
    public void Forget(string ns, string name)
    {
        if (_runs.TryRemove(ns + "/" + name, out var run))
        {
            run.Cancel();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(Run run, string ns, string name)
    {
        try
        {
            var metrics = run.Start.Metrics;
            var tasks = new Task[metrics.Count];
            for (var i = 0; i < metrics.Count; i++)
            {
                tasks[i] = MeasureAsync(run, i, metrics[i]);
            }

            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (run.HasFailedMetric && !_stopping.IsCancellationRequested)
            {
                // A failed metric ended the run; the others stopped measuring.
            }

            run.Finish(timeProvider.GetUtcNow());
            Log.Finished(logger, ns, name, run.Start.Step, run.Snapshot().Phase);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            // Replaced by a newer run, forgotten, or the controller stops.
        }
        finally
        {
            // Its token source is linked to the runner's: released with the run, not with the process.
            run.Release();
        }
    }

    private async Task MeasureAsync(Run run, int index, BoundMetric metric)
    {
        var m = metric.Metric;
        var measured = 0;
        var consecutiveErrors = 0;
        while (measured < m.Count)
        {
            if (m.Interval > TimeSpan.Zero)
            {
                await Task.Delay(m.Interval, timeProvider, run.Token).ConfigureAwait(false);
            }

            var result = await prometheus.QueryAsync(metric.Address, metric.Query, m.Prometheus.Timeout, run.Token).ConfigureAwait(false);
            var measurement = MeasurementEvaluator.Evaluate(metric, result);
            if (measurement.Phase == AnalysisPhases.Error)
            {
                consecutiveErrors++;
                if (run.Record(index, measurement, consecutiveErrors > m.ConsecutiveErrorLimit
                    ? (AnalysisPhases.Inconclusive, $"{consecutiveErrors} measurements in a row could not be taken (consecutiveErrorLimit {m.ConsecutiveErrorLimit}): {measurement.Message}")
                    : null))
                {
                    return;
                }

                continue;
            }

            consecutiveErrors = 0;
            measured++;
            var metricStatus = run.Counts(index, measurement);
            (string, string)? verdict =
                metricStatus.Failed > m.FailureLimit ? (AnalysisPhases.Failed, $"{metricStatus.Failed} of {measured} measurements failed (failureLimit {m.FailureLimit}): {measurement.Message}")
                : metricStatus.Inconclusive > m.InconclusiveLimit ? (AnalysisPhases.Inconclusive, $"{metricStatus.Inconclusive} of {measured} measurements were inconclusive (inconclusiveLimit {m.InconclusiveLimit}): {measurement.Message}")
                : measured == m.Count ? (AnalysisPhases.Successful, $"{metricStatus.Successful} of {measured} measurements passed: {measurement.Message}")
                : null;
            if (run.Record(index, measurement, verdict))
            {
                return;
            }
        }
    }

    /// <summary>One run's state; every change and every copy under its lock.</summary>
    private sealed class Run
    {
        private readonly Lock _lock = new();
        private readonly AnalysisRunStatus _status;
        private readonly CancellationTokenSource _cancellation;
        private bool _released;

        public Run(StartAnalysis start, DateTimeOffset now, CancellationTokenSource cancellation)
        {
            Start = start;
            _cancellation = cancellation;
            Token = cancellation.Token;
            _status = new AnalysisRunStatus
            {
                Step = start.Step,
                CanaryRevision = start.CanaryRevision,
                Templates = start.Templates,
                StartedAt = now,
                Metrics = start.Metrics.Select(static m => new AnalysisMetricStatus
                {
                    Template = m.Template,
                    Name = m.Name,
                    SuccessCondition = m.SuccessCondition?.Text,
                    FailureCondition = m.FailureCondition?.Text,
                }).ToList(),
            };
        }

        public StartAnalysis Start { get; }

        public CancellationToken Token { get; }

        public bool HasFailedMetric { get; private set; }

        public bool Matches(StartAnalysis other) =>
            Start.Step == other.Step && Start.CanaryRevision == other.CanaryRevision && Start.Templates == other.Templates;

        public void Cancel()
        {
            lock (_lock)
            {
                if (!_released)
                {
                    _cancellation.Cancel();
                }
            }
        }

        /// <summary>The run's task has ended: nothing uses its token any more.</summary>
        public void Release()
        {
            lock (_lock)
            {
                _released = true;
                _cancellation.Dispose();
            }
        }

        /// <summary>Counts a measurement in (not for errors) and returns the metric's counts.</summary>
        public AnalysisMetricStatus Counts(int index, Measurement measurement)
        {
            lock (_lock)
            {
                var metric = _status.Metrics[index];
                switch (measurement.Phase)
                {
                    case AnalysisPhases.Successful: metric.Successful++; break;
                    case AnalysisPhases.Failed: metric.Failed++; break;
                    default: metric.Inconclusive++; break;
                }

                return new AnalysisMetricStatus { Successful = metric.Successful, Failed = metric.Failed, Inconclusive = metric.Inconclusive };
            }
        }

        /// <summary>Records a measurement and, when given, the metric's verdict; true when the metric is decided.</summary>
        public bool Record(int index, Measurement measurement, (string Phase, string Message)? verdict)
        {
            lock (_lock)
            {
                var metric = _status.Metrics[index];
                metric.Values.Add(measurement.Value);
                if (metric.Values.Count > 2 * AnalysisTemplateReader.MaxCount)
                {
                    metric.Values.RemoveAt(0);
                }

                if (measurement.Phase == AnalysisPhases.Error)
                {
                    metric.Errors++;
                }

                metric.Message = measurement.Message;
                if (verdict is { } v)
                {
                    metric.Phase = v.Phase;
                    metric.Message = v.Message;
                    if (v.Phase == AnalysisPhases.Failed)
                    {
                        // Argo: a failed metric ends the run; the others need not measure further.
                        HasFailedMetric = true;
                        _cancellation.CancelAfter(TimeSpan.Zero);
                    }

                    return true;
                }

                return false;
            }
        }

        public void Finish(DateTimeOffset now)
        {
            lock (_lock)
            {
                if (_status.Phase != AnalysisPhases.Running)
                {
                    return;
                }

                // A failed metric decides; then an inconclusive one; all must have passed to pass.
                var failed = _status.Metrics.Find(static m => m.Phase == AnalysisPhases.Failed);
                var inconclusive = _status.Metrics.Find(static m => m.Phase is AnalysisPhases.Inconclusive or AnalysisPhases.Running);
                var decided = failed ?? inconclusive;
                _status.Phase = failed is not null ? AnalysisPhases.Failed : inconclusive is not null ? AnalysisPhases.Inconclusive : AnalysisPhases.Successful;
                _status.Message = decided is null
                    ? "all metrics passed"
                    : $"metric {decided.Name} of AnalysisTemplate {decided.Template} is {decided.Phase}: {decided.Message} (values {string.Join(", ", decided.Values)})";
                _status.FinishedAt = now;
            }
        }

        public AnalysisRunStatus Snapshot()
        {
            lock (_lock)
            {
                return ApiJson.Read<AnalysisRunStatus>(ApiJson.Write(_status))!;
            }
        }
    }
}
