namespace Lanes.Nacos;

/// <summary>
/// The UDP push receiver: instance lists are polled with <c>udpPort</c> and <c>clientIP</c>, and the
/// server pushes every change to that port (Nacos 1.x behaviour that 2.x and 3.x keep for HTTP clients).
/// </summary>
public sealed class NacosPushOptions
{
    /// <summary>Whether to listen for pushes. Polling goes on either way, since UDP may not reach this instance.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The UDP port to listen on; 0 picks a free one.</summary>
    /// <value>The default value is 0.</value>
    public int UdpPort { get; set; }

    /// <summary>The address to listen on.</summary>
    /// <value>The default value is <c>0.0.0.0</c>.</value>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>The address the server pushes to; unset uses the registration's address.</summary>
    public string? ClientIp { get; set; }

    /// <summary>The largest push accepted once decompressed; larger packets are dropped.</summary>
    /// <value>The default value is 4 MiB.</value>
    public int MaxDecompressedBytes { get; set; } = 4 * 1024 * 1024;
}
