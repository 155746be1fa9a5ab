namespace Lanes.Nacos;

/// <summary>
/// Which transport Lanes speaks to Nacos and to which server, for health pages and diagnostics. Resolve it from the
/// service provider; it changes as the client connects, fails over or falls back.
/// </summary>
public sealed class NacosConnectionStatus
{
    private volatile Snapshot _current = new(NacosTransport.Auto, null, false);
    private long _recoveries;

    // Created by the Nacos registration only: the status of one client, not something to construct.
    internal NacosConnectionStatus()
    {
    }

    /// <summary>The transport in use; <see cref="NacosTransport.Auto"/> while no server has answered yet.</summary>
    public NacosTransport Transport => _current.Transport;

    /// <summary>The server last talked to (<c>host:port</c>, the gRPC port on gRPC), if any.</summary>
    public string? Server => _current.Server;

    /// <summary>Whether the last exchange with that server succeeded.</summary>
    public bool Connected => _current.Connected;

    /// <summary>How often the registry came back after it was lost (a gRPC reconnect, HTTP answers after failures, or a server that no longer knew this instance).</summary>
    public long Recoveries => Interlocked.Read(ref _recoveries);

    /// <summary>Raised after the registry came back; lists read right after it may still lack re-registering instances.</summary>
    internal event Action? Recovered;

    internal void Set(NacosTransport transport, string? server, bool connected) => _current = new Snapshot(transport, server, connected);

    internal void SetConnected(bool connected)
    {
        var current = _current;
        if (current.Connected != connected)
        {
            _current = current with { Connected = connected };
        }
    }

    internal void MarkRecovered()
    {
        Interlocked.Increment(ref _recoveries);
        Recovered?.Invoke();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Transport} {Server ?? "(no server)"} {(Connected ? "connected" : "not connected")}";

    private sealed record Snapshot(NacosTransport Transport, string? Server, bool Connected);
}
