using System.Diagnostics.Metrics;
using Lanes.Propagation;
using Lanes.Routing;

namespace Lanes.Diagnostics;

/// <summary>Lanes' instruments on the <c>Lanes</c> meter.</summary>
internal sealed class LanesMetrics
{
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _breaks;

    public LanesMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _rejected = meter.CreateCounter<long>(
            "lanes.carrier.rejected",
            unit: "{carrier}",
            description: "Lane headers, baggage or message headers ignored as malformed; the request or message was treated as base.");
        _decisions = meter.CreateCounter<long>(
            "lanes.routing.decisions",
            unit: "{request}",
            description: "Outbound routing decisions by service, request lane and reason (lane_matched, fallback_no_lane_instance, fallback_lane_unhealthy, strict_rejection, base).");
        _ejections = meter.CreateCounter<long>(
            "lanes.routing.ejections",
            unit: "{instance}",
            description: "Instances taken out of rotation by passive health after failed calls.");
        _breaks = meter.CreateCounter<long>(
            "lanes.propagation.breaks",
            unit: "{request}",
            description: "Outbound HTTP requests made inside a lane without the lane header, by target host.");
    }

    public void PropagationBreak(string host, bool repaired)
    {
        if (_breaks.Enabled)
        {
            _breaks.Add(1, new KeyValuePair<string, object?>("host", host), new KeyValuePair<string, object?>("repaired", repaired));
        }
    }

    public void RouteDecision(string service, Lane lane, RouteReason reason)
    {
        if (_decisions.Enabled)
        {
            _decisions.Add(
                1,
                new KeyValuePair<string, object?>("service", service),
                new KeyValuePair<string, object?>("lane", lane.ToString()),
                new KeyValuePair<string, object?>("reason", RouteReasons.Name(reason)));
        }
    }

    public void Ejected(string service, Lane lane)
    {
        if (_ejections.Enabled)
        {
            _ejections.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("lane", lane.ToString()));
        }
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
