using System.Diagnostics.Metrics;
using Lanes.Propagation;

namespace Lanes.Diagnostics;

/// <summary>Lanes' instruments on the <c>Lanes</c> meter.</summary>
internal sealed class LanesMetrics
{
    private readonly Counter<long> _rejected;

    public LanesMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _rejected = meter.CreateCounter<long>(
            "lanes.carrier.rejected",
            unit: "{carrier}",
            description: "Lane headers, baggage or message headers ignored as malformed; the request or message was treated as base.");
    }

    public void Rejected(LaneRejection reason, string carrier)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", ReasonName(reason)), new KeyValuePair<string, object?>("carrier", carrier));
        }
    }

    private static string ReasonName(LaneRejection reason) => reason switch
    {
        LaneRejection.TooLong => "too_long",
        LaneRejection.Invalid => "invalid",
        LaneRejection.Conflicting => "conflicting",
        _ => "none",
    };
}
