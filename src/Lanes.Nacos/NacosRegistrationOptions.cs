namespace Lanes.Nacos;

/// <summary>How this instance registers itself in Nacos (<c>Lanes:Nacos:Registration</c>).</summary>
public sealed class NacosRegistrationOptions
{
    /// <summary>Whether to register at all (nacos-sdk's <c>RegisterEnabled</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The service this instance belongs to, <c>service</c> or <c>group@@service</c>. Required when registering.</summary>
    public string? ServiceName { get; set; }

    /// <summary>The address to register; unset uses <c>POD_IP</c>, then <see cref="PreferredNetworks"/>, then the first non-loopback IPv4 address.</summary>
    public string? Ip { get; set; }

    /// <summary>Comma-separated address prefixes (<c>10.0.,192.168.</c>) that choose among this machine's addresses.</summary>
    public string? PreferredNetworks { get; set; }

    /// <summary>The port to register; unset uses the first port of <c>urls</c> or <c>HTTP_PORTS</c>.</summary>
    public int? Port { get; set; }

    /// <summary>The instance's weight, 0 to 10000.</summary>
    /// <value>The default value is 1.</value>
    public double Weight { get; set; } = 1;

    /// <summary>Whether the instance is ephemeral (kept alive by heartbeats) rather than persistent.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Ephemeral { get; set; } = true;

    /// <summary>Whether the instance is registered as enabled (nacos-sdk's <c>InstanceEnabled</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool InstanceEnabled { get; set; } = true;

    /// <summary>Whether the instance serves https (written as <c>secure=true</c>, read back as an https endpoint).</summary>
    public bool Secure { get; set; }

    /// <summary>Extra metadata; the lane keys are added to it.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The heartbeat interval until the server names one (<c>clientBeatInterval</c>).</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long deregistration may hold up shutdown.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan DeregisterTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
