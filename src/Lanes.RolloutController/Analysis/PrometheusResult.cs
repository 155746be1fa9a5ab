namespace Lanes.RolloutController.Analysis;

/// <summary>What a Prometheus instant query gave: its values (a scalar is one), or why there are none.</summary>
internal sealed record PrometheusResult(IReadOnlyList<double> Values, string? Error)
{
    public static PrometheusResult Failure(string error) => new([], error);
}
