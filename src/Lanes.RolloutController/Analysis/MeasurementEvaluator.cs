using System.Globalization;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Analysis;

/// <summary>
/// Judges one query result against a metric's conditions, as Argo Rollouts does: the failure condition first; with
/// both conditions, neither holding is inconclusive; with one, its opposite decides. No value is never a pass: an
/// error, an empty result, or NaN (unless a condition asks <c>isNaN</c>) is an error or inconclusive.
/// </summary>
internal static class MeasurementEvaluator
{
    public static Measurement Evaluate(BoundMetric metric, PrometheusResult result)
    {
        if (result.Error is { } error)
        {
            return new Measurement(AnalysisPhases.Error, "error", error);
        }

        var values = result.Values;
        var shown = Show(values);
        if (values.Count == 0)
        {
            return new Measurement(AnalysisPhases.Inconclusive, shown, "the query returned no value (no matching series: no traffic in the window?)");
        }

        var usesNaN = metric.SuccessCondition?.UsesIsNaN == true || metric.FailureCondition?.UsesIsNaN == true;
        if (!usesNaN)
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (double.IsNaN(values[i]))
                {
                    return new Measurement(AnalysisPhases.Inconclusive, shown, "the query returned NaN (0/0: no requests in the window?)");
                }
            }
        }

        if (metric.FailureCondition is { } failure)
        {
            if (!failure.TryEvaluate(values, out var failed, out var problem))
            {
                return new Measurement(AnalysisPhases.Inconclusive, shown, $"failureCondition '{failure}': {problem}");
            }

            if (failed)
            {
                return new Measurement(AnalysisPhases.Failed, shown, $"{shown} met failureCondition '{failure}'");
            }
        }

        if (metric.SuccessCondition is { } success)
        {
            if (!success.TryEvaluate(values, out var passed, out var problem))
            {
                return new Measurement(AnalysisPhases.Inconclusive, shown, $"successCondition '{success}': {problem}");
            }

            if (passed)
            {
                return new Measurement(AnalysisPhases.Successful, shown, $"{shown} met successCondition '{success}'");
            }

            return metric.FailureCondition is null
                ? new Measurement(AnalysisPhases.Failed, shown, $"{shown} did not meet successCondition '{success}'")
                : new Measurement(AnalysisPhases.Inconclusive, shown, $"{shown} met neither successCondition '{success}' nor failureCondition '{metric.FailureCondition}'");
        }

        return new Measurement(AnalysisPhases.Successful, shown, $"{shown} did not meet failureCondition '{metric.FailureCondition}'");
    }

    private static string Show(IReadOnlyList<double> values)
    {
        if (values.Count == 1)
        {
            return Format(values[0]);
        }

        var parts = new string[Math.Min(values.Count, 8)];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Format(values[i]);
        }

        return "[" + string.Join(",", parts) + (values.Count > parts.Length ? ",...]" : "]");
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
