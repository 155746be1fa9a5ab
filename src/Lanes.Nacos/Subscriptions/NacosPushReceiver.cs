using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Receives Nacos's UDP pushes: <c>{"type":"dom","data":"&lt;ServiceInfo JSON&gt;","lastRefTime":n}</c>, gzip-compressed
/// when large, and answers each with <c>{"type":"push-ack","lastRefTime":n,"data":""}</c> to the sender, as the
/// Java and C# clients do. Packets are bounded (one datagram, and <see cref="NacosPushOptions.MaxDecompressedBytes"/>
/// once decompressed); anything malformed is dropped, logged and counted in <c>lanes.nacos.messages.ignored</c>.
/// </summary>
internal sealed partial class NacosPushReceiver : IAsyncDisposable
{
    private const int MaxDatagramBytes = 65_536;

    private readonly NacosPushOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task? _loop;
    private INacosPushTarget? _target;
    private NacosMetrics? _metrics;
    private bool _disposed;

    public NacosPushReceiver(IOptions<NacosOptions> options, ILogger<NacosPushReceiver> logger)
    {
        _options = options.Value.Push;
        _logger = logger;
    }

    /// <summary>The port pushes arrive on; 0 while not listening.</summary>
    public int Port { get; private set; }

    /// <summary>Starts listening once; returns <see langword="false"/> when push is disabled or the port cannot be bound.</summary>
    public bool TryStart(INacosPushTarget target, NacosMetrics? metrics = null)
    {
        if (!_options.Enabled)
        {
            return false;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_socket is not null)
            {
                return true;
            }

            var address = IPAddress.Parse(_options.BindAddress);
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(address, _options.UdpPort));
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                Log.BindFailed(_logger, _options.BindAddress, _options.UdpPort, ex.Message);
                return false;
            }

            _target = target;
            _metrics = metrics;
            _socket = socket;
            Port = ((IPEndPoint)socket.LocalEndPoint!).Port;

            // Started from whatever request first resolved a Nacos service: keep its lane off the loop.
            using (ExecutionContext.SuppressFlow())
            {
                _loop = Task.Run(() => ReceiveLoopAsync(socket, _stopping.Token));
            }

            Log.Listening(_logger, Port);
            return true;
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagramBytes, pinned: true);
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // For example ICMP port unreachable reported on the next receive: keep listening.
                Log.ReceiveFailed(_logger, ex.Message);
                await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            try
            {
                Handle(socket, buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.PacketFailed(_logger, received.RemoteEndPoint.ToString() ?? "?", ex.Message);
            }
        }
    }

    /// <summary>Decodes one packet, hands its service list on and acknowledges it. Returns the ack sent, if any.</summary>
    internal string? Handle(Socket? socket, ReadOnlyMemory<byte> packet, EndPoint sender)
    {
        byte[]? inflated = null;
        byte[]? data = null;
        try
        {
            var json = packet;
            if (packet.Length >= 2 && packet.Span[0] == 0x1F && packet.Span[1] == 0x8B)
            {
                if (!TryInflate(packet, _options.MaxDecompressedBytes, out inflated, out var length))
                {
                    Log.PacketDropped(_logger, sender.ToString() ?? "?", "it does not decompress within the size allowed");
                    _metrics?.Ignored(NacosMetrics.Udp, "oversized");
                    return null;
                }

                json = inflated.AsMemory(0, length);
            }

            if (!TryReadEnvelope(json.Span, out var type, out var lastRefTime, out data, out var dataLength))
            {
                Log.PacketDropped(_logger, sender.ToString() ?? "?", "it is not a push packet");
                _metrics?.Ignored(NacosMetrics.Udp, "not_json");
                return null;
            }

            string ackType;
            if (type is "dom" or "service")
            {
                var outcome = data is null ? PushOutcome.Malformed : _target?.OnPush(data.AsSpan(0, dataLength)) ?? PushOutcome.UnknownService;
                _metrics?.Pushed(NacosMetrics.Udp, outcome);
                ackType = "push-ack";
            }
            else if (type == "dump")
            {
                ackType = "dump-ack";
            }
            else
            {
                _metrics?.Ignored(NacosMetrics.Udp, "unknown_type");
                ackType = "unknown-ack";
            }

            var ack = $$"""{"type":"{{ackType}}","lastRefTime":{{lastRefTime}},"data":""}""";
            socket?.SendTo(Encoding.UTF8.GetBytes(ack), sender);
            return ack;
        }
        finally
        {
            if (inflated is not null)
            {
                ArrayPool<byte>.Shared.Return(inflated);
            }

            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }
    }

    private static bool TryInflate(ReadOnlyMemory<byte> packet, int maxBytes, out byte[] inflated, out int length)
    {
        inflated = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, Math.Max(packet.Length * 8, 4096)));
        length = 0;
        try
        {
            using var source = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(packet, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(packet.ToArray(), writable: false);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                if (length == inflated.Length)
                {
                    if (length > maxBytes)
                    {
                        return false;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(inflated.Length * 2, maxBytes + 1));
                    inflated.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(inflated);
                    inflated = larger;
                }

                var read = gzip.Read(inflated, length, inflated.Length - length);
                if (read == 0)
                {
                    return length <= maxBytes;
                }

                length += read;
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool TryReadEnvelope(ReadOnlySpan<byte> json, out string? type, out long lastRefTime, out byte[]? data, out int dataLength)
    {
        type = null;
        lastRefTime = 0;
        data = null;
        dataLength = 0;
        if (!ServiceInfoParser.EndsAsAnObject(json))
        {
            return false;   // cut short, most likely: no need to tokenise it
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("lastRefTime"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        _ = reader.TryGetInt64(out lastRefTime);
                    }
                    else if (reader.TokenType == JsonTokenType.String)
                    {
                        _ = long.TryParse(reader.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out lastRefTime);
                    }
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        // The service list travels as a JSON string; unescape it into UTF-8 once.
                        if (data is not null)
                        {
                            ArrayPool<byte>.Shared.Return(data);
                        }

                        data = ArrayPool<byte>.Shared.Rent(Math.Max(reader.ValueSpan.Length, 1));
                        dataLength = reader.CopyString(data);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return type is not null && reader.TokenType == JsonTokenType.EndObject;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not UTF-8.
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Socket? socket;
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            socket = _socket;
            loop = _loop;
            _socket = null;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        socket?.Dispose();
        if (loop is not null)
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }
}
