namespace Lanes.Nacos.StandIn;

/// <summary>What the stand-in serves and demands.</summary>
public sealed class NacosStandInOptions
{
    /// <summary>Whether the gRPC client port (main port + 1000) listens.</summary>
    public bool Grpc { get; init; } = true;

    /// <summary>Whether the v3 HTTP client API (<c>/nacos/v3/client/ns/...</c>) is served; v1 paths never are (as Nacos 3.2+ without the legacy adapter).</summary>
    public bool V3Http { get; init; } = true;

    /// <summary>Users and passwords; when set (or <see cref="AccessKeys"/> is), every naming request must present a token or a signature.</summary>
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>Access keys and their secret keys whose signatures are accepted.</summary>
    public IReadOnlyDictionary<string, string>? AccessKeys { get; init; }

    /// <summary>The lifetime written into login answers (<c>tokenTtl</c>).</summary>
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromHours(5);

    /// <summary>Whether server checks announce ability negotiation (2.3+ servers), so setups are confirmed with a <c>SetupAckRequest</c>.</summary>
    public bool AbilityNegotiation { get; init; } = true;

    /// <summary>Whether the server pushes changes to subscribers; off, only queries see them.</summary>
    public bool Push { get; init; } = true;

    internal bool AuthRequired => Users is not null || AccessKeys is not null;
}
