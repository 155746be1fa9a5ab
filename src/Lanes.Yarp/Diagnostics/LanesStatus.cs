namespace Lanes.Yarp.Diagnostics;

/// <summary>What the gateway's diagnostics page shows, as <c>/lanes.json</c> serves it.</summary>
internal sealed record LanesStatus(DateTimeOffset At, EntryStatus Entry, RulesStatus Rules, IReadOnlyList<ServiceStatus> Services, IReadOnlyList<DecisionStatus> Decisions);

internal sealed record EntryStatus(bool Enabled, IReadOnlyList<string> TrustedProxies, IReadOnlyList<string> AllowedLanes, int TokenKeys);

internal sealed record RulesStatus(long Version, DateTimeOffset LoadedAt, string? Directory, IReadOnlyList<string> Sources, IReadOnlyList<RuleStatus> Rules, RejectedStatus? LastRejected);

internal sealed record RuleStatus(string Name, string Source, string Lane, string Matches);

internal sealed record RejectedStatus(DateTimeOffset At, string Source, IReadOnlyList<string> Errors);

internal sealed record ServiceStatus(string Cluster, string Service, IReadOnlyList<LaneInstances> Lanes);

internal sealed record LaneInstances(string Lane, int Instances, int Available, IReadOnlyList<DestinationStatus> Destinations);

internal sealed record DestinationStatus(string Id, string Address, string ActiveHealth, string PassiveHealth, bool Available);

internal sealed record DecisionStatus(string Cluster, string Lane, string Reason, long Count, IReadOnlyList<DateTimeOffset> Recent);
