using System.Diagnostics;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.Kubernetes.Cluster;
using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Watching;

/// <summary>
/// List, then watch, one resource in one namespace, for as long as the process runs: a watch that ends is resumed
/// from the last resourceVersion seen, an expired one (410 Gone) is relisted, and while the API server cannot be
/// reached attempts back off (<see cref="KubernetesDiscoveryOptions.ReconnectDelay"/> doubling up to
/// <see cref="KubernetesDiscoveryOptions.MaxReconnectDelay"/>) and the objects already known stay in place.
/// </summary>
internal sealed partial class ResourceWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int PageSize = 500;

    private readonly string _resource;
    private readonly string _namespace;
    private readonly ListPage _list;
    private readonly WatchFrom _watch;
    private readonly Action<List<T>> _replace;
    private readonly Action<WatchEventType, T> _apply;
    private readonly Action _healthChanged;
    private readonly KubernetesDiscoveryOptions _options;
    private readonly TimeProvider _time;
    private readonly KubernetesMetrics _metrics;
    private readonly ILogger _logger;
    private long _outageStarted;
    private volatile string? _problem;

    /// <summary>Reads one page of the list.</summary>
    public delegate Task<(IList<T> Items, string? ResourceVersion, string? Continue)> ListPage(string? continueToken, CancellationToken cancellationToken);

    /// <summary>Opens a watch from a resourceVersion.</summary>
    public delegate IAsyncEnumerable<(WatchEventType, T)> WatchFrom(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);

    /// <param name="resource">The resource as RBAC names it, for messages (<c>endpointslices.discovery.k8s.io</c>).</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="list">Lists one page.</param>
    /// <param name="watch">Watches from a resourceVersion.</param>
    /// <param name="replace">Receives every object after a (re)list; objects not in it are gone.</param>
    /// <param name="apply">Receives each watch event.</param>
    /// <param name="healthChanged">Called after <see cref="Health"/> or <see cref="Problem"/> changed.</param>
    /// <param name="options">Delays.</param>
    /// <param name="time">Clock for delays.</param>
    /// <param name="metrics">Instruments.</param>
    /// <param name="logger">Log.</param>
    public ResourceWatch(
        string resource,
        string ns,
        ListPage list,
        WatchFrom watch,
        Action<List<T>> replace,
        Action<WatchEventType, T> apply,
        Action healthChanged,
        KubernetesDiscoveryOptions options,
        TimeProvider time,
        KubernetesMetrics metrics,
        ILogger logger)
    {
        _resource = resource;
        _namespace = ns;
        _list = list;
        _watch = watch;
        _replace = replace;
        _apply = apply;
        _healthChanged = healthChanged;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public WatchHealth Health { get; private set; }

    /// <summary>Why the last attempt failed, naming resource, namespace and (when refused) the permission; null when healthy.</summary>
    public string? Problem => _problem;

    /// <summary>Whether a list has ever been delivered.</summary>
    public bool Synced { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var verb = "list";
            var listed = false;
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                    failures = 0;
                    listed = true;
                }

                verb = "watch";
                var expired = false;
                Exception? streamError = null;
                var opened = _time.GetTimestamp();
                var events = 0;
                var timeout = Random.Shared.Next(300, 600);   // as client-go's reflector: spread the reconnects of many clients
                await foreach (var (type, item) in _watch(resourceVersion, timeout, e => OnStreamError(e, ref expired, ref streamError), cancellationToken).ConfigureAwait(false))
                {
                    if (events++ == 0)
                    {
                        Recovered();
                        failures = 0;
                    }

                    if (item?.Metadata?.ResourceVersion is { Length: > 0 } seen)
                    {
                        resourceVersion = seen;
                    }

                    if (type != WatchEventType.Bookmark && item is not null)
                    {
                        _apply(type, item);
                    }
                }

                if (expired)
                {
                    // Too old to resume: the objects that changed meanwhile can only be learnt from a fresh list.
                    _metrics.WatchExpired(_resource);
                    Log.Expired(_logger, _resource, _namespace, resourceVersion);
                    resourceVersion = null;
                    if (listed && events == 0)
                    {
                        // Expired the moment it was listed: pause rather than list and list again.
                        await Task.Delay(_options.ReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                if (streamError is not null)
                {
                    throw streamError;
                }

                // A normal end (the server's timeout, a dropped connection): resume at once, unless it ends at once.
                Recovered();
                failures = 0;
                Log.Closed(_logger, _resource, _namespace, resourceVersion);
                if (events == 0 && _time.GetElapsedTime(opened) < TimeSpan.FromSeconds(1))
                {
                    await Task.Delay(_options.ReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                _metrics.WatchExpired(_resource);
                Log.Expired(_logger, _resource, _namespace, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception e) when (IsFailure(e))
            {
                if (e is JsonException or MalformedEventException)
                {
                    // An event that could not be read was lost: only a fresh list is sure to be complete.
                    resourceVersion = null;
                }

                Failed(verb, e);
                failures = Math.Min(failures + 1, 16);
                if (!await BackOffAsync(failures, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private static void OnStreamError(Exception e, ref bool expired, ref Exception? streamError)
    {
        if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            expired = true;
        }
        else
        {
            streamError ??= e is JsonException ? new MalformedEventException(e) : e;
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            (var page, resourceVersion, continueToken) = await _list(continueToken, cancellationToken).ConfigureAwait(false);
            if (page is not null)
            {
                items.AddRange(page);
            }
        }
        while (!string.IsNullOrEmpty(continueToken));

        _replace(items);
        _metrics.Listed(_resource);
        Log.Listed(_logger, _resource, _namespace, items.Count, resourceVersion);
        Synced = true;
        Recovered();
        return string.IsNullOrEmpty(resourceVersion) ? "0" : resourceVersion;
    }

    private void Recovered()
    {
        if (Health == WatchHealth.Healthy)
        {
            return;
        }

        if (Health is WatchHealth.Unreachable or WatchHealth.Forbidden)
        {
            Log.Recovered(_logger, _resource, _namespace, _time.GetElapsedTime(_outageStarted).TotalSeconds);
        }

        Health = WatchHealth.Healthy;
        _problem = null;
        _healthChanged();
    }

    private void Failed(string verb, Exception e)
    {
        var refused = e is HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized };
        var health = refused ? WatchHealth.Forbidden : WatchHealth.Unreachable;
        var detail = Describe(e);
        _metrics.WatchFailed(_resource, refused ? "forbidden" : e is HttpOperationException or KubernetesException ? "server_error" : e is JsonException or MalformedEventException ? "malformed" : "unreachable");
        var problem = refused
            ? $"the Kubernetes API server refused to {verb} {_resource} in namespace '{_namespace}' ({detail}). " +
              $"Grant this pod's service account get, list and watch on endpointslices (discovery.k8s.io) and pods in namespace '{_namespace}' (a Role and RoleBinding)"
            : $"the Kubernetes API server could not {verb} {_resource} in namespace '{_namespace}' ({detail})";

        // Logged when the state changes, not on every attempt; the reasons of later attempts go to Debug.
        var transition = health != Health;
        if (Health is WatchHealth.Healthy or WatchHealth.Starting)
        {
            _outageStarted = _time.GetTimestamp();
        }

        if (transition)
        {
            if (refused)
            {
                Log.Refused(_logger, _resource, _namespace, verb, detail);
            }
            else if (Synced)
            {
                Log.Lost(_logger, _resource, _namespace, detail, e);
            }
            else
            {
                Log.ListFailed(_logger, _resource, _namespace, detail, e);
            }
        }
        else
        {
            Log.StillFailing(_logger, _resource, _namespace, detail);
        }

        var changed = transition || problem != _problem;
        Health = health;
        _problem = problem;
        if (changed)
        {
            _healthChanged();
        }
    }

    private async Task<bool> BackOffAsync(int failures, CancellationToken cancellationToken)
    {
        var ticks = Math.Min(_options.ReconnectDelay.Ticks << Math.Min(failures - 1, 20), _options.MaxReconnectDelay.Ticks);
        var jittered = TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
        try
        {
            await Task.Delay(jittered, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsFailure(Exception e) =>
        e is HttpOperationException or HttpRequestException or IOException or KubernetesException or JsonException
            or MalformedEventException or TaskCanceledException or InvalidOperationException;

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } => $"{(int)response.StatusCode} {response.StatusCode}: {StatusMessage(response.Content)}",
        KubernetesException { Status: { } status } => $"{status.Code} {status.Reason}: {status.Message}",
        MalformedEventException => "a watch event could not be read: " + e.InnerException?.Message,
        _ => e.Message,
    };

    // The API server answers errors with a Status object whose message says exactly what was refused.
    private static string StatusMessage(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "no details";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not a Status: show the start of what came back.
        }

        return body.Length > 200 ? body[..200] : body;
    }

    /// <summary>A watch line that could not be deserialized; the stream goes on, but an event was lost.</summary>
    private sealed class MalformedEventException(Exception inner) : Exception(inner.Message, inner);

    [DebuggerStepThrough]
    public override string ToString() => $"{_resource} in {_namespace}: {Health}";
}
