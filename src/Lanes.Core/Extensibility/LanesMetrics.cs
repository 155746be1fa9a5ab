using System.Diagnostics.Metrics;
using System.Net.Http.Metrics;
using Lanes.Diagnostics;
using Lanes.Propagation;
using Lanes.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lanes.Extensibility;

/// <summary>
/// Lanes' instruments on the <c>Lanes</c> meter (<see cref="LanesDiagnostics.Name"/>), one instance per service
/// provider. Packages that carry or route lanes (ASP.NET Core, YARP, OpenTelemetry and third-party integrations)
/// record through it, so every package, whatever its version, adds to the same instruments with the same tags.
/// Registered by <c>AddTrafficLanesCore()</c>; resolve it from the service provider.
/// </summary>
/// <remarks>
/// A lane is always the attribute <c>lanes.lane</c> (<see cref="LanesDiagnostics.LaneTag"/>): the lane's name, <c>base</c>
/// for no lane, and <c>(other)</c> for lanes past <c>Lanes:Metrics:MaxLanes</c> distinct ones (counted in
/// <c>lanes.metrics.lane_overflow</c>). The same value enriches ASP.NET Core's <c>http.server.request.duration</c> and
/// HttpClient's <c>http.client.request.duration</c>.
/// </remarks>
public sealed partial class LanesMetrics
{
    private static readonly HttpRequestOptionsKey<LaneMetricTag> s_enrichedKey = new("Lanes.MetricsLane");

    private readonly LaneMetricTags _laneTags;
    private readonly HttpClientDurationWatch? _clientDuration;
    private readonly ILogger _logger;
    private readonly Counter<long> _laneOverflow;
    private int _overflowLogged;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _breaks;

    /// <summary>Creates the instruments on the <c>Lanes</c> meter of <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory of the application's service provider.</param>
    public LanesMetrics(IMeterFactory meterFactory)
        : this(meterFactory, LaneMetricsOptions.DefaultMaxLanes, NullLogger<LanesMetrics>.Instance, clientDuration: null)
    {
    }

    internal LanesMetrics(IMeterFactory meterFactory, int maxLanes, ILogger<LanesMetrics> logger, HttpClientDurationWatch? clientDuration)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _logger = logger;
        _clientDuration = clientDuration;
        _laneTags = new LaneMetricTags(maxLanes, LaneOverflowed);
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _laneOverflow = meter.CreateCounter<long>(
            "lanes.metrics.lane_overflow",
            unit: "{measurement}",
            description: "Measurements whose lane was reported as '(other)' because Lanes:Metrics:MaxLanes distinct lanes had their own value already.");
        _rejected = meter.CreateCounter<long>(
            "lanes.carrier.rejected",
            unit: "{carrier}",
            description: "Lane headers, baggage or message headers ignored as malformed; the request or message was treated as base.");
        _decisions = meter.CreateCounter<long>(
            "lanes.routing.decisions",
            unit: "{request}",
            description: "Outbound routing decisions by service, request lane (lanes.lane) and reason (lane_matched, fallback_no_lane_instance, fallback_lane_unhealthy, strict_rejection, base).");
        _ejections = meter.CreateCounter<long>(
            "lanes.routing.ejections",
            unit: "{instance}",
            description: "Instances taken out of rotation by passive health after failed calls, by service and the instance's lane (lanes.lane).");
        _breaks = meter.CreateCounter<long>(
            "lanes.propagation.breaks",
            unit: "{request}",
            description: "Outbound HTTP requests made inside a lane without the lane header, by target host.");
    }

    /// <summary>
    /// The <c>lanes.lane</c> attribute of <paramref name="lane"/> for a measurement: its name, <c>base</c>, or <c>(other)</c>
    /// once <c>Lanes:Metrics:MaxLanes</c> other lanes have a value of their own. Allocates nothing.
    /// </summary>
    /// <param name="lane">The lane the measurement belongs to.</param>
    public KeyValuePair<string, object?> LaneTag(Lane lane) => _laneTags.For(lane).Tag;

    /// <summary>
    /// Adds the <c>lanes.lane</c> attribute of <paramref name="lane"/> to HttpClient's <c>http.client.request.duration</c>
    /// of <paramref name="request"/>, through <see cref="HttpMetricsEnrichmentContext"/>. Once per request: a request sent
    /// again (a retry of the same message) keeps the lane it was first given. Nothing is added (and nothing allocated)
    /// when HttpClient's instrument exists and no listener enables it, as HttpClient then calls no enrichment callback.
    /// </summary>
    /// <param name="request">The outbound request, before it is sent.</param>
    /// <param name="lane">The request's lane.</param>
    public void EnrichClientMetrics(HttpRequestMessage request, Lane lane)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_clientDuration is { MayRecord: false })
        {
            return;
        }

        var options = request.Options;
        if (options.TryGetValue(s_enrichedKey, out _))
        {
            return;
        }

        var tag = _laneTags.For(lane);
        options.Set(s_enrichedKey, tag);
        HttpMetricsEnrichmentContext.AddCallback(request, tag.EnrichClient);
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
                _laneTags.For(lane).Tag,
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
            _ejections.Add(1, new KeyValuePair<string, object?>("service", service), _laneTags.For(lane).Tag);
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

    internal LaneMetricTags LaneTags => _laneTags;

    private void LaneOverflowed(string lane)
    {
        _laneOverflow.Add(1);
        if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
        {
            Log.LaneOverflow(_logger, _laneTags.Count, lane);
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
