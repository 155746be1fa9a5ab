using System.Diagnostics.Metrics;
using Lanes.Diagnostics;

namespace Lanes.AspNetCore.Diagnostics;

/// <summary>The entry's instruments on the <c>Lanes</c> meter.</summary>
internal sealed class EntryMetrics
{
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _reloads;
    private Func<long>? _version;

    public EntryMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(LanesDiagnostics.Name);
        _rejected = meter.CreateCounter<long>(
            "lanes.entry.rejected",
            unit: "{request}",
            description: "Lanes a client tried to choose at the entry and did not get, by reason (untrusted, token_expired, token_forged, token_malformed, token_unknown_key, lane_not_allowed, header_too_large).");
        _reloads = meter.CreateCounter<long>(
            "lanes.entry.rules.reloads",
            unit: "{reload}",
            description: "Reloads of the entry rules by source (configuration, directory) and result (accepted, rejected).");
        meter.CreateObservableGauge(
            "lanes.entry.rules.version",
            () => _version?.Invoke() ?? 0,
            unit: "{version}",
            description: "The version of the entry rule set in force; it grows by one with every accepted reload.");
    }

    /// <summary>Where the version gauge reads from.</summary>
    public void ObserveVersion(Func<long> version) => _version = version;

    public void Rejected(string reason)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Reloaded(string source, bool accepted)
    {
        if (_reloads.Enabled)
        {
            _reloads.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("result", accepted ? "accepted" : "rejected"));
        }
    }
}
