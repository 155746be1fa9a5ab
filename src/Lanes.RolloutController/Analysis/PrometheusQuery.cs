namespace Lanes.RolloutController.Analysis;

/// <summary>The <c>provider.prometheus</c> of a metric; <paramref name="Address"/> and <paramref name="Query"/> may hold <c>{{args.name}}</c>.</summary>
internal sealed record PrometheusQuery(string Address, string Query, TimeSpan Timeout);
