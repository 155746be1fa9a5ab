using k8s;
using k8s.Models;
using Lanes.Kubernetes.Watching;
using Microsoft.Extensions.Logging;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// What one namespace's EndpointSlices and pods say about its Services, kept current by one shared watch of each:
/// every Service's endpoints with their pods' lanes, republished (and the change token fired) only when the
/// endpoints routing sees really changed. A slice event touches its Service; a pod event touches the Services whose
/// slices name the pod, and only when the pod's lane (or identity) changed.
/// </summary>
internal sealed partial class NamespaceView : IPodLanes
{
    private const int MaxLoggedOnce = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceState> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sliceServices = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loggedOnce = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResourceWatch<V1EndpointSlice> _sliceWatch;
    private readonly ResourceWatch<V1Pod> _podWatch;
    private readonly KubernetesMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Dictionary<string, PodLane> _pods = new(StringComparer.Ordinal);
    private string? _problem;
    private bool _synced;
    private Task _loops = Task.CompletedTask;

    public NamespaceView(string ns, IKubernetes client, KubernetesDiscoveryOptions options, TimeProvider time, KubernetesMetrics metrics, ILoggerFactory loggerFactory)
    {
        Name = ns;
        _metrics = metrics;
        _time = time;
        _logger = loggerFactory.CreateLogger<NamespaceView>();
        var watchLogger = loggerFactory.CreateLogger("Lanes.Kubernetes.Watching.ResourceWatch");
        _sliceWatch = new ResourceWatch<V1EndpointSlice>(
            KubernetesNames.EndpointSlices + "." + KubernetesNames.DiscoveryGroup,
            ns,
            async (continueToken, ct) =>
            {
                var list = await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(
                    ns, continueParameter: continueToken, labelSelector: KubernetesNames.ServiceNameLabel, limit: 500, cancellationToken: ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (resourceVersion, timeout, onError, ct) => client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(
                ns, allowWatchBookmarks: true, labelSelector: KubernetesNames.ServiceNameLabel, resourceVersion: resourceVersion,
                timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            ReplaceSlices,
            ApplySlice,
            OnHealthChanged,
            options,
            time,
            metrics,
            watchLogger);
        _podWatch = new ResourceWatch<V1Pod>(
            KubernetesNames.Pods,
            ns,
            async (continueToken, ct) =>
            {
                var list = await client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: continueToken, limit: 500, cancellationToken: ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (resourceVersion, timeout, onError, ct) => client.CoreV1.WatchListNamespacedPodAsync(
                ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            ReplacePods,
            ApplyPod,
            OnHealthChanged,
            options,
            time,
            metrics,
            watchLogger);
    }

    public string Name { get; }

    /// <summary>Why services here may have no endpoints (a refused or failing list), or null.</summary>
    public string? Problem
    {
        get
        {
            lock (_gate)
            {
                return _problem;
            }
        }
    }

    /// <summary>Starts both watches; they run until <paramref name="stopping"/> is cancelled.</summary>
    public void Start(CancellationToken stopping)
    {
        // Started inside whichever request first called into the namespace: keep its lane off the loops.
        using (ExecutionContext.SuppressFlow())
        {
            _loops = Task.WhenAll(
                Task.Run(() => _sliceWatch.RunAsync(stopping), CancellationToken.None),
                Task.Run(() => _podWatch.RunAsync(stopping), CancellationToken.None));
        }
    }

    public Task Stopped => _loops;

    /// <summary>The Service <paramref name="service"/>, followed by one more provider.</summary>
    public ServiceState Acquire(string service)
    {
        lock (_gate)
        {
            var state = GetOrAddService(service);
            state.References++;
            return state;
        }
    }

    public void Release(ServiceState service)
    {
        lock (_gate)
        {
            service.References--;
            ForgetIfUnused(service);
        }
    }

    /// <summary>
    /// Waits until both lists have answered or either has failed; <see langword="false"/> when
    /// <paramref name="timeout"/> passed first.
    /// </summary>
    public async Task<bool> WaitForFirstLoadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_firstLoad.Task.IsCompleted)
        {
            return true;
        }

        try
        {
            await _firstLoad.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public Lane? LaneOf(in SliceEndpoint endpoint)
    {
        if (endpoint.PodName is null)
        {
            return Lane.Base;   // an address a person put in a slice by hand: no pod, no lane
        }

        if (!_pods.TryGetValue(endpoint.PodName, out var pod) || !pod.Valid)
        {
            return null;
        }

        return endpoint.PodUid is not null && pod.Uid is not null && !string.Equals(endpoint.PodUid, pod.Uid, StringComparison.Ordinal) ? null : pod.Lane;
    }

    internal void ReplaceSlices(List<V1EndpointSlice> slices)
    {
        List<CancellationTokenSource> fired = [];
        lock (_gate)
        {
            var touched = new HashSet<ServiceState>();
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var slice in slices)
            {
                if (slice.Metadata?.Name is { } name)
                {
                    present.Add(name);
                    ApplySliceLocked(slice, touched);
                }
            }

            foreach (var name in _sliceServices.Keys.ToList())
            {
                if (!present.Contains(name))
                {
                    RemoveSliceLocked(name, touched);
                }
            }

            PublishLocked(touched, fired, force: false, s_noPods);
        }

        Fire(fired);
    }

    internal void ApplySlice(WatchEventType type, V1EndpointSlice slice)
    {
        if (slice.Metadata?.Name is not { } name)
        {
            return;
        }

        List<CancellationTokenSource> fired = [];
        lock (_gate)
        {
            var touched = new HashSet<ServiceState>();
            if (type == WatchEventType.Deleted)
            {
                RemoveSliceLocked(name, touched);
            }
            else
            {
                ApplySliceLocked(slice, touched);
            }

            PublishLocked(touched, fired, force: false, s_noPods);
        }

        Fire(fired);
    }

    private void ApplySliceLocked(V1EndpointSlice slice, HashSet<ServiceState> touched)
    {
        var name = slice.Metadata.Name;
        var service = slice.Metadata.Labels is { } labels && labels.TryGetValue(KubernetesNames.ServiceNameLabel, out var label) ? label : null;
        if (_sliceServices.TryGetValue(name, out var owner) && owner != service)
        {
            RemoveSliceLocked(name, touched);   // relabelled: it left its old Service
        }

        if (string.IsNullOrEmpty(service))
        {
            return;
        }

        var state = GetOrAddService(service);
        if (state.Slices.TryGetValue(name, out var known) && known.ResourceVersion is not null && known.ResourceVersion == slice.Metadata.ResourceVersion)
        {
            return;   // replayed after a relist or a resumed watch: nothing new
        }

        if (SliceEndpoints.Read(slice) is not { } read)
        {
            return;
        }

        Report(read);
        state.SetSlice(name, read);
        _sliceServices[name] = service;
        touched.Add(state);
    }

    private void RemoveSliceLocked(string name, HashSet<ServiceState> touched)
    {
        if (_sliceServices.Remove(name, out var service) && _services.TryGetValue(service, out var state) && state.RemoveSlice(name))
        {
            touched.Add(state);
        }
    }

    internal void ReplacePods(List<V1Pod> pods)
    {
        List<CancellationTokenSource> fired = [];
        lock (_gate)
        {
            var next = new Dictionary<string, PodLane>(pods.Count, StringComparer.Ordinal);
            var changed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pod in pods)
            {
                if (pod.Metadata?.Name is not { } name)
                {
                    continue;
                }

                var lane = ReadLane(name, pod);
                next[name] = lane;
                if (!_pods.TryGetValue(name, out var previous) || previous != lane)
                {
                    changed.Add(name);
                }
            }

            foreach (var name in _pods.Keys)
            {
                if (!next.ContainsKey(name))
                {
                    changed.Add(name);
                }
            }

            _pods = next;
            PublishLocked(ServicesNaming(changed), fired, force: false, changed);
        }

        Fire(fired);
    }

    internal void ApplyPod(WatchEventType type, V1Pod pod)
    {
        if (pod.Metadata?.Name is not { } name)
        {
            return;
        }

        List<CancellationTokenSource> fired = [];
        lock (_gate)
        {
            if (type == WatchEventType.Deleted)
            {
                if (!_pods.Remove(name))
                {
                    return;
                }
            }
            else
            {
                var lane = ReadLane(name, pod);
                if (_pods.TryGetValue(name, out var previous) && previous == lane)
                {
                    return;   // a status update: the lane did not change
                }

                _pods[name] = lane;
            }

            HashSet<string> changed = [name];
            PublishLocked(ServicesNaming(changed), fired, force: false, changed);
        }

        Fire(fired);
    }

    private PodLane ReadLane(string name, V1Pod pod)
    {
        var lane = PodLane.Read(pod);
        var known = _pods.TryGetValue(name, out var previous) && previous == lane;
        if (!known && !lane.Valid)
        {
            _metrics.Ignored(IgnoredReason.InvalidLane, 1);
            if (FirstTime("lane:" + name))
            {
                Log.InvalidLane(_logger, Name, name, lane.InvalidLabel ?? string.Empty);
            }
        }
        else if (!known && lane.Unlabelled)
        {
            _metrics.Ignored(IgnoredReason.PodWithoutLabels, 1);
            if (FirstTime("unlabelled:" + name))
            {
                Log.PodWithoutLabels(_logger, Name, name);
            }
        }

        return lane;
    }

    private HashSet<ServiceState> ServicesNaming(HashSet<string> pods)
    {
        var touched = new HashSet<ServiceState>();
        if (pods.Count == 0)
        {
            return touched;
        }

        foreach (var service in _services.Values)
        {
            foreach (var slice in service.Slices.Values)
            {
                if (slice.PodNames is { } names && (pods.Count == 1 ? names.Contains(pods.First()) : names.Overlaps(pods)))
                {
                    touched.Add(service);
                    break;
                }
            }
        }

        return touched;
    }

    private void OnHealthChanged()
    {
        List<CancellationTokenSource> fired = [];
        bool loaded;
        lock (_gate)
        {
            var slices = _sliceWatch.Health;
            var pods = _podWatch.Health;
            var synced = _sliceWatch.Synced && _podWatch.Synced;
            loaded = synced || slices is WatchHealth.Unreachable or WatchHealth.Forbidden || pods is WatchHealth.Unreachable or WatchHealth.Forbidden;

            // Callers that gave up waiting for the first lists hold a "not listed yet" answer: tell them all once it is there.
            var firstSync = synced && !_synced;
            _synced |= synced;

            // Once listed, an outage changes nothing routing sees: the last known endpoints stay. A refusal, or a
            // namespace never listed, is what callers must be told about.
            var problem = slices == WatchHealth.Forbidden ? _sliceWatch.Problem
                : pods == WatchHealth.Forbidden ? _podWatch.Problem
                : (_sliceWatch.Synced ? null : _sliceWatch.Problem) ?? (_podWatch.Synced ? null : _podWatch.Problem);
            if (problem != _problem || firstSync)
            {
                _problem = problem;
                PublishLocked([.. _services.Values], fired, force: true);
            }
        }

        Fire(fired);

        // Only now: a waiting caller must find the snapshots that say what happened, not the ones from before.
        if (loaded)
        {
            _firstLoad.TrySetResult();
        }
    }

    private static readonly IReadOnlySet<string> s_noPods = new HashSet<string>();

    private void PublishLocked(IEnumerable<ServiceState> services, List<CancellationTokenSource> fired, bool force, IReadOnlySet<string>? changedPods = null)
    {
        foreach (var service in services)
        {
            if (service.Publish(this, _problem, force, changedPods) is { } replaced)
            {
                fired.Add(replaced);
                _metrics.Changed();
                Log.EndpointsChanged(_logger, Name, service.Name, service.Slices.Count);
            }

            ForgetIfUnused(service);
        }
    }

    // Outside the lock: a token's callbacks (the resolver's refresh) must never run under it.
    private static void Fire(List<CancellationTokenSource> fired)
    {
        foreach (var source in fired)
        {
            source.Cancel();
        }
    }

    private ServiceState GetOrAddService(string service)
    {
        if (!_services.TryGetValue(service, out var state))
        {
            state = new ServiceState(service, Name, _problem);
            _services[service] = state;
        }

        return state;
    }

    private void ForgetIfUnused(ServiceState service)
    {
        if (service.References <= 0 && service.Slices.Count == 0 && _services.TryGetValue(service.Name, out var current) && current == service)
        {
            _services.Remove(service.Name);
        }
    }

    private void Report(SliceEndpoints slice)
    {
        for (var reason = 0; reason < slice.Ignored.Length; reason++)
        {
            var count = slice.Ignored[reason];
            if (count == 0)
            {
                continue;
            }

            _metrics.Ignored((IgnoredReason)reason, count);
            if (FirstTime($"{reason}:{slice.ServiceName}"))
            {
                var detail = (IgnoredReason)reason switch
                {
                    IgnoredReason.UnknownAddressType => $"its address type '{slice.UnknownAddressType}' is not IPv4, IPv6 or FQDN",
                    IgnoredReason.NoPort => "the Service has no TCP port",
                    _ => "their addresses do not parse",
                };
                Log.EndpointsIgnored(_logger, Name, slice.ServiceName, slice.Name, count, detail);
            }
        }
    }

    private bool FirstTime(string key) => _loggedOnce.Count < MaxLoggedOnce && _loggedOnce.Add(key);
}
