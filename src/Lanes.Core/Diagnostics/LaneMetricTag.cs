using System.Net.Http.Metrics;

namespace Lanes.Diagnostics;

/// <summary>
/// The <c>lanes.lane</c> metric attribute of one lane, built once: the tag itself and the HttpClient enrichment
/// callback that adds it, so recording a request's lane allocates nothing of its own.
/// </summary>
internal sealed class LaneMetricTag
{
    public LaneMetricTag(string value)
    {
        Value = value;
        Tag = new KeyValuePair<string, object?>(LanesDiagnostics.LaneTag, value);
        EnrichClient = context => context.AddCustomTag(LanesDiagnostics.LaneTag, value);
    }

    /// <summary>The attribute's value: the lane's name, <c>base</c> or <c>(other)</c>.</summary>
    public string Value { get; }

    public KeyValuePair<string, object?> Tag { get; }

    /// <summary>Adds the attribute to HttpClient's <c>http.client.request.duration</c> of a request.</summary>
    public Action<HttpMetricsEnrichmentContext> EnrichClient { get; }
}
