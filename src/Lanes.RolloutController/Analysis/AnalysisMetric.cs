namespace Lanes.RolloutController.Analysis;

/// <summary>
/// One metric: <see cref="Count"/> measurements, <see cref="Interval"/> apart. More than <see cref="FailureLimit"/>
/// failed measurements fail it; more than <see cref="InconclusiveLimit"/> inconclusive ones make it inconclusive;
/// more than <see cref="ConsecutiveErrorLimit"/> errors in a row (the provider could not measure) too. The conditions
/// and the query may hold <c>{{args.name}}</c>; <see cref="AnalysisTemplateReader.TryBind"/> fills them in.
/// </summary>
internal sealed record AnalysisMetric(
    string Name,
    TimeSpan Interval,
    int Count,
    int FailureLimit,
    int InconclusiveLimit,
    int ConsecutiveErrorLimit,
    string? SuccessCondition,
    string? FailureCondition,
    PrometheusQuery Prometheus);
