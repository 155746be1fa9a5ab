using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Lanes.Nacos.Transport;

namespace Lanes.Nacos.Subscriptions;

/// <summary>The Nacos integration's instruments, on the <c>Lanes</c> meter.</summary>
internal sealed class NacosMetrics
{
    public const string Udp = "udp";
    public const string Grpc = "grpc";

    private readonly Counter<long> _polls;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _pushes;
    private readonly Counter<long> _ignored;
    private readonly Counter<long> _protection;

    public NacosMetrics(IMeterFactory meterFactory, NacosConnectionStatus status)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _polls = meter.CreateCounter<long>("lanes.nacos.polls", unit: "{poll}", description: "Instance-list queries of Nacos, by result.");
        _changes = meter.CreateCounter<long>("lanes.nacos.instance_list.changes", unit: "{change}", description: "Instance lists that changed, by where the change came from.");
        _pushes = meter.CreateCounter<long>("lanes.nacos.pushes", unit: "{push}", description: "Pushed instance lists (UDP packets, gRPC NotifySubscriberRequests), by transport and result.");
        _ignored = meter.CreateCounter<long>(
            "lanes.nacos.messages.ignored",
            unit: "{message}",
            description: "Messages from Nacos dropped unread, by transport and reason (not_json, unknown_type, oversized, malformed, unknown_service).");
        _protection = meter.CreateCounter<long>(
            "lanes.nacos.empty_protection",
            unit: "{list}",
            description: "Lists held by empty-push protection, by action (empty_held, empty_confirmed, missing_kept).");
        meter.CreateObservableGauge(
            "lanes.nacos.transport",
            () => new Measurement<int>(status.Connected ? 1 : 0, new KeyValuePair<string, object?>("transport", TransportName(status.Transport))),
            unit: "{connection}",
            description: "The transport in use (tag transport: auto until chosen, grpc, http, v1); 1 while the last exchange succeeded.");
        meter.CreateObservableCounter(
            "lanes.nacos.recoveries",
            () => status.Recoveries,
            unit: "{recovery}",
            description: "Times the registry came back after it was lost (reconnects, answers after failures, instances it forgot).");
    }

    public static string TransportName(NacosTransport transport) => transport switch
    {
        NacosTransport.Grpc => "grpc",
        NacosTransport.Http => "http",
        NacosTransport.V1 => "v1",
        _ => "auto",
    };

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

    /// <summary>Counts a pushed list; one that could not be used counts as ignored too.</summary>
    public void Pushed(string transport, PushOutcome outcome)
    {
        if (_pushes.Enabled)
        {
            _pushes.Add(
                1,
                new KeyValuePair<string, object?>("transport", transport),
                new KeyValuePair<string, object?>("result", outcome == PushOutcome.Accepted ? "accepted" : "ignored"));
        }

        if (outcome != PushOutcome.Accepted)
        {
            Ignored(transport, outcome == PushOutcome.Malformed ? "malformed" : "unknown_service");
        }
    }

    public void Ignored(string transport, string reason)
    {
        if (_ignored.Enabled)
        {
            _ignored.Add(1, new KeyValuePair<string, object?>("transport", transport), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Protected(string action)
    {
        if (_protection.Enabled)
        {
            _protection.Add(1, new KeyValuePair<string, object?>("action", action));
        }
    }
}
