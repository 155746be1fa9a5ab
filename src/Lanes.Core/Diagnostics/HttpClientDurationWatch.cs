using System.Diagnostics.Metrics;

namespace Lanes.Diagnostics;

/// <summary>
/// Whether HttpClient's <c>http.client.request.duration</c> may be recorded, so the lane attribute is added to a request
/// only when something would read it: HttpClient's enrichment API costs every request an options dictionary and a
/// callback list (about 300 B), and calls its callbacks only while the instrument is enabled.
/// </summary>
/// <remarks>
/// HttpClient creates the instrument when a handler sends its first request: on the meter of the application's
/// <see cref="IMeterFactory"/> (clients of <c>IHttpClientFactory</c>, which sets it on their handlers), or on its
/// process-wide meter (handlers built without a meter factory). Until the application's exists, nothing says it will
/// not be recorded, so the attribute is added; after that, while either is enabled (a client whose handler records on
/// the process-wide meter may miss the attribute on the one request that creates it there). Enabled is read live, so
/// a listener that starts later (a metrics exporter, a test's collector) is seen from its next request on. Only
/// publications are watched: this listener enables nothing.
/// </remarks>
internal sealed class HttpClientDurationWatch : IDisposable
{
    private const string MeterName = "System.Net.Http";
    private const string InstrumentName = "http.client.request.duration";

    private readonly IMeterFactory _meterFactory;
    private readonly MeterListener _listener;
    private volatile Instrument? _scoped;
    private volatile Instrument? _shared;

    public HttpClientDurationWatch(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meterFactory = meterFactory;
        _listener = new MeterListener { InstrumentPublished = OnPublished };
        _listener.Start();
    }

    /// <summary>Whether a request's <c>http.client.request.duration</c> may be recorded.</summary>
    public bool MayRecord
    {
        get
        {
            var scoped = _scoped;
            var shared = _shared;
            return scoped is null || scoped.Enabled || shared?.Enabled == true;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Name != InstrumentName || instrument.Meter.Name != MeterName)
        {
            return;
        }

        var scope = instrument.Meter.Scope;
        if (ReferenceEquals(scope, _meterFactory))
        {
            _scoped = instrument;
        }
        else if (scope is null)
        {
            _shared = instrument;
        }
    }
}
