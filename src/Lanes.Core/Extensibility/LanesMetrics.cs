using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Lanes.Propagation;
using Lanes.Routing;

namespace Lanes.Extensibility;

/// <summary>
/// Lanes' instruments on the <c>Lanes</c> meter (<see cref="LanesDiagnostics.Name"/>), one instance per service
/// provider. Packages that carry or route lanes (ASP.NET Core, YARP, OpenTelemetry and third-party integrations)
/// record through it, so every package, whatever its version, adds to the same instruments with the same tags.
/// Registered by <c>AddTrafficLanesCore()</c>; resolve it from the service provider.
/// </summary>
public sealed class LanesMetrics
{
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _breaks;

    /// <summary>Creates the instruments on the <c>Lanes</c> meter of <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory of the application's service provider.</param>
    public LanesMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
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

    /// <summary>Counts an outbound HTTP request made inside a lane without the lane header (<c>lanes.propagation.breaks</c>).</summary>
    /// <param name="host">The request's target host.</param>
    /// <param name="repaired">Whether the header was added before the request left.</param>
    public void PropagationBreak(string host, bool repaired)
    {
        if (_breaks.Enabled)
        {
            _breaks.Add(1, new KeyValuePair<string, object?>("host", host), new KeyValuePair<string, object?>("repaired", repaired));
        }
    }

    /// <summary>Counts a routing decision (<c>lanes.routing.decisions</c>).</summary>
    /// <param name="service">The service the request was for.</param>
    /// <param name="lane">The request's lane.</param>
    /// <param name="reason">Why the chosen instance (or none) was chosen.</param>
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

    /// <summary>Counts an instance taken out of rotation by passive health (<c>lanes.routing.ejections</c>).</summary>
    /// <param name="service">The instance's service.</param>
    /// <param name="lane">The instance's lane.</param>
    public void Ejected(string service, Lane lane)
    {
        if (_ejections.Enabled)
        {
            _ejections.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("lane", lane.ToString()));
        }
    }

    /// <summary>Counts a lane header, baggage member or message header ignored as malformed (<c>lanes.carrier.rejected</c>).</summary>
    /// <param name="reason">What was wrong with it.</param>
    /// <param name="carrier">Where it was read from, for example <c>header</c>, <c>baggage</c> or <c>message</c>.</param>
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
