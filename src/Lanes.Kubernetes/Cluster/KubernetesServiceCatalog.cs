using System.Collections.Concurrent;
using Lanes.Kubernetes.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// The namespaces this process follows, each with one shared watch of its EndpointSlices and one of its pods,
/// started the first time a service there is resolved and bounded by <see cref="KubernetesDiscoveryOptions.MaxNamespaces"/>.
/// </summary>
internal sealed partial class KubernetesServiceCatalog : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, NamespaceView> _namespaces = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly KubernetesConnection _connection;
    private readonly KubernetesMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private bool _warnedFull;
    private bool _disposed;

    public KubernetesServiceCatalog(
        IOptions<KubernetesDiscoveryOptions> options,
        KubernetesConnection connection,
        KubernetesMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        _connection = connection;
        _metrics = metrics;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<KubernetesServiceCatalog>();
    }

    public KubernetesDiscoveryOptions Options { get; }

    /// <summary>The namespace of unqualified service names.</summary>
    public string HomeNamespace => _connection.Namespace;

    /// <summary>The view of <paramref name="ns"/>, watching from now on; null once the bound is reached.</summary>
    public NamespaceView? GetNamespace(string ns)
    {
        if (_namespaces.TryGetValue(ns, out var view))
        {
            return view;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_namespaces.TryGetValue(ns, out view))
            {
                return view;
            }

            if (_namespaces.Count >= Options.MaxNamespaces)
            {
                if (!_warnedFull)
                {
                    _warnedFull = true;
                    Log.TooManyNamespaces(_logger, ns, Options.MaxNamespaces);
                }

                return null;
            }

            view = new NamespaceView(ns, _connection.Client, Options, _time, _metrics, _loggerFactory);
            _namespaces[ns] = view;
            view.Start(_stopping.Token);
            Log.Watching(_logger, ns, _connection.Source);
            return view;
        }
    }

    /// <summary>Stops the watches without waiting for them (a container disposed synchronously).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stopping.Cancel();
        _stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var view in _namespaces.Values)
        {
            await view.Stopped.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }
}
