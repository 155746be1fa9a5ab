using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Reflection;
using Lanes.Extensibility;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Propagation;

/// <summary>
/// Watches every outbound HTTP request in the process through the runtime's HttpClient diagnostics and
/// notices the ones sent inside a lane without the lane header: counts them (<c>lanes.propagation.breaks</c>),
/// logs a warning naming the target host (at most once a minute per host) and, when configured, adds the header.
/// </summary>
/// <remarks>
/// The runtime raises the event in the socket handler's diagnostics, after every delegating handler has run,
/// so a client built with <c>AddTrafficLanes()</c> has already written the header and is never reported.
/// While anyone listens there, .NET describes every call of the process (an event payload and an async state machine,
/// about 200 B a call), so the detector listens only while lanes are in use: from the first lane entered until a
/// whole minute passes without a call made inside a lane, and again from the next lane entered.
/// </remarks>
internal sealed partial class LaneBreakDetector : IHostedService, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private const string HttpListenerName = "HttpHandlerDiagnosticListener";
    private const string RequestEventName = "System.Net.Http.Request";
    private const int MaxThrottledHosts = 1024;
    private static readonly TimeSpan QuietAfter = TimeSpan.FromMinutes(1);

    private readonly LanesMetrics _metrics;
    private readonly ILogger<LaneBreakDetector> _logger;
    private readonly TimeProvider _time;
    private readonly string _headerName;
    private readonly bool _enabled;
    private readonly bool _repair;
    private readonly FrozenSet<string> _ignoredHosts;
    private readonly ConcurrentDictionary<string, long> _lastWarned = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Type, PropertyInfo?> _requestProperties = new();
    private readonly Lock _gate = new();
    private readonly Action _wake;
    private IDisposable? _allListeners;
    private DiagnosticListener? _httpDiagnostics;
    private IDisposable? _httpListener;
    private ITimer? _quietCheck;
    private bool _watching;
    private bool _stopped;
    private volatile bool _laneCallSeen;

    public LaneBreakDetector(IOptions<LanesOptions> options, LanesMetrics metrics, TimeProvider time, ILogger<LaneBreakDetector> logger)
    {
        var propagation = options.Value.Propagation;
        _headerName = propagation.HeaderName;
        _enabled = propagation.BreakDetection.Enabled;
        _repair = propagation.BreakDetection.Repair;
        _ignoredHosts = propagation.BreakDetection.IgnoredHosts.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _wake = Watch;
    }

    /// <summary>Whether HttpClient's diagnostics are listened to now: lanes are in use.</summary>
    internal bool IsWatching
    {
        get
        {
            lock (_gate)
            {
                return _watching;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            return Task.CompletedTask;
        }

        _allListeners = DiagnosticListener.AllListeners.Subscribe(this);
        LaneEntryWatch.WakeAtNextLane(_wake);

        // The timer's callbacks must not carry the lane, or anything else, of the code that started the host.
        using (ExecutionContext.SuppressFlow())
        {
            _quietCheck = _time.CreateTimer(static state => ((LaneBreakDetector)state!).CheckQuiet(), this, QuietAfter, QuietAfter);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Stopped first, under the gate: a quiet check running now cannot wait for lanes again after the cancel below.
        lock (_gate)
        {
            _stopped = true;
            _watching = false;
            _httpListener?.Dispose();
            _httpListener = null;
        }

        LaneEntryWatch.Cancel(_wake);
        _quietCheck?.Dispose();
        _allListeners?.Dispose();
        return Task.CompletedTask;
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name != HttpListenerName)
        {
            return;
        }

        lock (_gate)
        {
            _httpDiagnostics = listener;
            if (_watching)
            {
                _httpListener?.Dispose();
                _httpListener = Listen(listener);
            }
        }
    }

    // A lane was entered: listen to HttpClient's diagnostics from now on.
    private void Watch()
    {
        lock (_gate)
        {
            if (_stopped || _watching)
            {
                return;
            }

            _watching = true;
            _laneCallSeen = false;
            if (_httpDiagnostics is { } diagnostics)
            {
                _httpListener = Listen(diagnostics);
            }
        }
    }

    // Once a minute: a minute without a call made inside a lane ends the listening until the next lane is entered.
    private void CheckQuiet()
    {
        lock (_gate)
        {
            if (_stopped || !_watching)
            {
                return;
            }

            if (_laneCallSeen)
            {
                _laneCallSeen = false;
                return;
            }

            _watching = false;
            _httpListener?.Dispose();
            _httpListener = null;
            LaneEntryWatch.WakeAtNextLane(_wake);
        }
    }

    private IDisposable Listen(DiagnosticListener diagnostics) =>
        diagnostics.Subscribe(this, static name => name == RequestEventName);

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        // Runs on the caller's flow: the ambient lane is the lane of the code making the call.
        var lane = LaneContext.Current;
        if (lane.IsBase)
        {
            return;
        }

        _laneCallSeen = true;
        if (value.Key != RequestEventName || value.Value is not { } payload || RequestOf(payload) is not { } request)
        {
            return;
        }

        if (request.Headers.NonValidated.Contains(_headerName) || request.RequestUri is not { } uri || _ignoredHosts.Contains(uri.Host))
        {
            return;
        }

        _metrics.PropagationBreak(uri.Host, _repair);
        if (_repair)
        {
            request.Headers.TryAddWithoutValidation(_headerName, lane.Name);
        }

        if (ShouldWarn(uri.Host))
        {
            Log.Break(_logger, uri.Host, lane.Name!, _repair ? "the lane header was added" : "the call left the lane");
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    // The payload is a runtime-internal type with a public Request property.
    private HttpRequestMessage? RequestOf(object payload)
    {
        var property = _requestProperties.GetOrAdd(payload.GetType(), static type => type.GetProperty("Request"));
        return property?.GetValue(payload) as HttpRequestMessage;
    }

    private bool ShouldWarn(string host)
    {
        var now = _time.GetTimestamp();
        var interval = _time.TimestampFrequency * 60;
        if (_lastWarned.TryGetValue(host, out var last) && now - last < interval)
        {
            return false;
        }

        if (_lastWarned.Count >= MaxThrottledHosts)
        {
            _lastWarned.Clear();
        }

        _lastWarned[host] = now;
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A call to '{Host}' made inside lane '{Lane}' did not carry the lane ({Outcome}). Build the client with AddTrafficLanes(), or list the host in Lanes:Propagation:BreakDetection:IgnoredHosts if it is not a lane-aware service.", EventName = "LanePropagationBreak")]
        public static partial void Break(ILogger logger, string host, string lane, string outcome);
    }
}
