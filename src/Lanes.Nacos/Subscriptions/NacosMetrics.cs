using System.Diagnostics.Metrics;
using Lanes.Diagnostics;

namespace Lanes.Nacos.Subscriptions;

/// <summary>The Nacos integration's instruments, on the <c>Lanes</c> meter.</summary>
internal sealed class NacosMetrics
{
    private readonly Counter<long> _polls;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _pushes;

    public NacosMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _polls = meter.CreateCounter<long>("lanes.nacos.polls", unit: "{poll}", description: "Instance-list polls of Nacos, by result.");
        _changes = meter.CreateCounter<long>("lanes.nacos.instance_list.changes", unit: "{change}", description: "Instance lists that changed, by where the change came from.");
        _pushes = meter.CreateCounter<long>("lanes.nacos.pushes", unit: "{packet}", description: "UDP push packets received, by result.");
    }

    public void Polled(bool success)
    {
        if (_polls.Enabled)
        {
            _polls.Add(1, new KeyValuePair<string, object?>("result", success ? "success" : "failure"));
        }
    }

    public void Changed(ServiceInfoSource source)
    {
        if (_changes.Enabled)
        {
            _changes.Add(1, new KeyValuePair<string, object?>("source", source switch
            {
                ServiceInfoSource.Push => "push",
                ServiceInfoSource.FailoverCache => "failover_cache",
                _ => "poll",
            }));
        }
    }

    public void Pushed(bool accepted)
    {
        if (_pushes.Enabled)
        {
            _pushes.Add(1, new KeyValuePair<string, object?>("result", accepted ? "accepted" : "rejected"));
        }
    }
}
