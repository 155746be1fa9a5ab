using System.Diagnostics.Metrics;
using Lanes.Diagnostics;

namespace Lanes.Kubernetes.Cluster;

/// <summary>Kubernetes discovery's instruments, on the <c>Lanes</c> meter.</summary>
internal sealed class KubernetesMetrics
{
    private readonly Counter<long> _watchErrors;
    private readonly Counter<long> _lists;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _ignored;
    private readonly Counter<long> _changes;

    public KubernetesMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _watchErrors = meter.CreateCounter<long>(
            "lanes.kubernetes.watch.errors",
            unit: "{error}",
            description: "Failed lists and watches of the Kubernetes API, by resource and reason (unreachable, forbidden, server_error, malformed); the last known endpoints keep serving.");
        _lists = meter.CreateCounter<long>("lanes.kubernetes.lists", unit: "{list}", description: "Complete lists of a resource (at start and after a watch expired), by resource.");
        _expired = meter.CreateCounter<long>("lanes.kubernetes.watch.expired", unit: "{watch}", description: "Watches too old to resume (410 Gone) that led to a relist, by resource.");
        _ignored = meter.CreateCounter<long>(
            "lanes.kubernetes.endpoints.ignored",
            unit: "{endpoint}",
            description: "Endpoints or pods Lanes could not use as they are, by reason (unknown_address_type, malformed_address, no_port, invalid_lane, pod_without_labels).");
        _changes = meter.CreateCounter<long>("lanes.kubernetes.endpoints.changes", unit: "{change}", description: "Changes to a Service's routable endpoints handed to routing.");
    }

    public void WatchFailed(string resource, string reason)
    {
        if (_watchErrors.Enabled)
        {
            _watchErrors.Add(1, new KeyValuePair<string, object?>("resource", resource), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Listed(string resource)
    {
        if (_lists.Enabled)
        {
            _lists.Add(1, new KeyValuePair<string, object?>("resource", resource));
        }
    }

    public void WatchExpired(string resource)
    {
        if (_expired.Enabled)
        {
            _expired.Add(1, new KeyValuePair<string, object?>("resource", resource));
        }
    }

    public void Ignored(IgnoredReason reason, int count)
    {
        if (count > 0 && _ignored.Enabled)
        {
            _ignored.Add(count, new KeyValuePair<string, object?>("reason", IgnoredReasons.Name(reason)));
        }
    }

    public void Changed()
    {
        if (_changes.Enabled)
        {
            _changes.Add(1);
        }
    }
}
